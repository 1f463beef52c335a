#!/usr/bin/env bash
# run-quickstart.sh starts the demo backends on loopback and Atrium on
# examples/quickstart, prints curl lines to try, and runs until Ctrl-C.
#
#   scripts/run-quickstart.sh BUILD_DIR           run in the foreground
#   scripts/run-quickstart.sh BUILD_DIR --smoke   send the curl lines, check each
#                                                 answer, stop everything, exit 0/1
set -euo pipefail

build=${1:?usage: run-quickstart.sh BUILD_DIR [--smoke]}
mode=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
atrium="$build/controller/atrium"
backend="$build/tools/atrium_demo_backend"
port_offset=${ATRIUM_QUICKSTART_PORT_OFFSET:-8000}
proxy_port=$((80 + port_offset))
admin="127.0.0.1:${ATRIUM_QUICKSTART_ADMIN_PORT:-9901}"

# ATRIUM_QUICKSTART_BACKEND_BASE moves the demo backends off 18081-18084 (the
# smoke test uses it): the manifests are copied and their ports rewritten.
manifests="$root/examples/quickstart"
base=${ATRIUM_QUICKSTART_BACKEND_BASE:-18080}
tmp=""
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT INT TERM
if [[ "$base" != 18080 ]]; then
  tmp=$(mktemp -d)
  cp "$manifests"/*.yaml "$tmp"/
  for n in 1 2 3 4; do sed -i "s/\b1808$n\b/$((base + n))/g" "$tmp"/*.yaml; done
  manifests="$tmp"
fi

n=0
for name in web-v1 web-v2 api legacy; do
  n=$((n + 1))
  "$backend" --listen "127.0.0.1:$((base + n))" --name "$name" &
  pids+=($!)
done
"$atrium" --manifests "$manifests" --admin-address "$admin" \
  --port-offset "$port_offset" &
pids+=($!)

# Wait (up to 20 s) for the first route table to be published.
for _ in $(seq 1 200); do
  if curl -fsS "http://$admin/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fsS "http://$admin/readyz" >/dev/null || { echo "atrium did not become ready" >&2; exit 1; }

lines=(
  "curl -s -H 'Host: web.example.com' http://127.0.0.1:$proxy_port/"
  "curl -s -H 'Host: web.example.com' -H 'x-canary: true' http://127.0.0.1:$proxy_port/"
  "curl -s -H 'Host: api.example.com' http://127.0.0.1:$proxy_port/v1/users"
  "curl -s -H 'Host: legacy.example.com' http://127.0.0.1:$proxy_port/"
  "curl -s -o /dev/null -w '%{http_code}\\n' -H 'Host: nowhere.example.com' http://127.0.0.1:$proxy_port/"
  "curl -s http://$admin/admin/routes"
  "curl -s http://$admin/metrics"
)

if [[ "$mode" == "--smoke" ]]; then
  expect() {  # expect NAME COMMAND: the answer must name the backend NAME
    local want=$1; shift
    local got
    got=$(eval "$@")
    if [[ "$got" != *"\"backend\":\"$want\""* ]]; then
      echo "FAIL: $* -> $got (wanted backend $want)" >&2
      exit 1
    fi
    echo "ok: $want <- $*"
  }
  expect web-v2 "${lines[1]}"
  expect api "${lines[2]}"
  expect legacy "${lines[3]}"
  code=$(eval "${lines[4]}")
  [[ "$code" == "404" ]] || { echo "FAIL: unknown host gave $code, wanted 404" >&2; exit 1; }
  echo "ok: 404 for an unknown host"
  # web.example.com is split 90/10: over 50 requests both backends answer.
  v1=0
  for _ in $(seq 1 50); do
    if [[ $(eval "${lines[0]}") == *'"backend":"web-v1"'* ]]; then v1=$((v1 + 1)); fi
  done
  [[ $v1 -ge 30 && $v1 -le 50 ]] || { echo "FAIL: web-v1 served $v1 of 50" >&2; exit 1; }
  echo "ok: web-v1 served $v1 of 50 (weight 90 of 100)"
  echo "quickstart smoke: all checks passed"
  exit 0
fi

cat <<MSG

Atrium is serving examples/quickstart on 127.0.0.1:$proxy_port (admin on $admin).
Try:
MSG
printf '  %s\n' "${lines[@]}"
echo
echo "Edit the YAML in examples/quickstart: changes apply within a second. Ctrl-C stops."
wait "${pids[-1]}"
