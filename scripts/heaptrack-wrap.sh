#!/bin/bash
# heaptrack-wrap.sh OUTPUT COMMAND... runs COMMAND under heaptrack and, on
# SIGTERM, stops COMMAND itself (not heaptrack's shell), so that heaptrack
# writes its whole record. For the benches:
#   ATRIUM_E2E_WRAPPER="scripts/heaptrack-wrap.sh /tmp/atrium-heap" \
#     build/prof/bench/cluster_scale_bench --routes 5000
# with build/prof configured -DATRIUM_TCMALLOC=OFF (heaptrack sees operator
# new only through glibc's malloc). Then: heaptrack_print -f /tmp/atrium-heap.zst
set -u
output=$1
shift
heaptrack -o "$output" "$@" >"$output.log" 2>&1 &
heaptrack_pid=$!
stop() {
  pkill -TERM -f "^$1( |\$)" || true
  wait "$heaptrack_pid"
  exit 0
}
trap "stop '$1'" TERM INT
wait "$heaptrack_pid"
