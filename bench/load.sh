#!/usr/bin/env bash
# load.sh: Atrium against nginx as reverse proxies in front of the same
# backend, on loopback, measured with wrk in interleaved runs.
#
#   bench/load.sh BUILD_DIR [CONNECTIONS] [SECONDS] [ROUNDS]
#
# The backend is an nginx server answering a fixed 200. Both proxies run the
# same number of workers (WORKERS, default 1: on a 2-core machine wrk, the
# backend and the proxy share the cores) with upstream keep-alive. Prints
# requests/s, p50, p99 and requests per CPU-second of the proxy process(es)
# for each, the median over ROUNDS runs, and the Atrium/nginx ratio.
set -euo pipefail

build=${1:?usage: load.sh BUILD_DIR [CONNECTIONS] [SECONDS] [ROUNDS]}
connections=${2:-50}
seconds=${3:-10}
rounds=${4:-3}
workers=${WORKERS:-1}
atrium="$build/controller/atrium"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/install-deps.sh)" >&2; exit 1; }

backend_port=18191
nginx_port=18192
atrium_port=18193
admin_port=18194
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/backend" "$work/nginx" "$work/manifests"
cat >"$work/backend/nginx.conf" <<EOF
worker_processes 1;
daemon off;
error_log stderr error;
pid $work/backend/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$backend_port;
    location / { return 200 "hello from the backend\n"; }
  }
}
EOF
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
error_log stderr error;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$nginx_port reuseport;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_buffering on;
    }
  }
}
EOF
cat >"$work/manifests/bench.yaml" <<EOF
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: atrium}
spec: {controllerName: atrium.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  gatewayClassName: atrium
  listeners: [{name: http, protocol: HTTP, port: $atrium_port}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bench, namespace: default}
spec:
  parentRefs: [{name: bench}]
  rules: [{backendRefs: [{name: backend, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: default}
spec: {ports: [{name: http, port: 80, targetPort: $backend_port}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: backend-1
  namespace: default
  labels: {kubernetes.io/service-name: backend}
addressType: IPv4
ports: [{name: http, port: $backend_port}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
EOF

"$nginx_bin" -p "$work/backend" -c "$work/backend/nginx.conf" &
pids+=($!)
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
pids+=($nginx_pid)
"$atrium" --manifests "$work/manifests" --workers "$workers" \
  --admin-address "127.0.0.1:$admin_port" --log-level warn &
atrium_pid=$!
pids+=($atrium_pid)

wait_for() {  # wait_for URL: up to 10 s for a 200
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "not ready: $1" >&2
  exit 1
}
wait_for "http://127.0.0.1:$backend_port/"
wait_for "http://127.0.0.1:$nginx_port/"
wait_for "http://127.0.0.1:$atrium_port/"

# cpu_ticks PID: utime+stime of PID and its children (nginx's workers).
cpu_ticks() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" || true); do
    if [[ -r /proc/$pid/stat ]]; then
      total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    fi
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

# to_ms VALUE: wrk latency ("512.00us", "1.20ms", "2.00s") in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n = n / 1000
    else if (v ~ /ms$/) n = n
    else if (v ~ /s$/) n = n * 1000
    printf "%.3f", n }'
}

run_one() {  # run_one NAME PORT PID -> "rps p50_ms p99_ms rps_per_cpu_s"
  local name=$1 port=$2 pid=$3
  local before after out rps p50 p99 cpu
  before=$(cpu_ticks "$pid")
  out=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$port/")
  after=$(cpu_ticks "$pid")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  cpu=$(awk -v t=$((after - before)) -v hz="$hz" 'BEGIN {printf "%.3f", t / hz}')
  local per_cpu
  per_cpu=$(awk -v r="$rps" -v s="$seconds" -v c="$cpu" 'BEGIN {
    if (c > 0) printf "%.0f", r * s / c; else print 0 }')
  echo "$rps $p50 $p99 $per_cpu"
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# Warm both up, then interleave the measured runs.
wrk -t1 -c"$connections" -d2s "http://127.0.0.1:$atrium_port/" >/dev/null
wrk -t1 -c"$connections" -d2s "http://127.0.0.1:$nginx_port/" >/dev/null
declare -a a_rps a_p50 a_p99 a_cpu n_rps n_p50 n_p99 n_cpu
for round in $(seq 1 "$rounds"); do
  read -r r p50 p99 c < <(run_one atrium "$atrium_port" "$atrium_pid")
  a_rps+=("$r"); a_p50+=("$p50"); a_p99+=("$p99"); a_cpu+=("$c")
  echo "round $round atrium: $r req/s p50 ${p50}ms p99 ${p99}ms $c req/cpu-s"
  read -r r p50 p99 c < <(run_one nginx "$nginx_port" "$nginx_pid")
  n_rps+=("$r"); n_p50+=("$p50"); n_p99+=("$p99"); n_cpu+=("$c")
  echo "round $round nginx : $r req/s p50 ${p50}ms p99 ${p99}ms $c req/cpu-s"
done

m() { printf '%s\n' "$@" | median; }
ar=$(m "${a_rps[@]}"); nr=$(m "${n_rps[@]}")
ap50=$(m "${a_p50[@]}"); np50=$(m "${n_p50[@]}")
ap99=$(m "${a_p99[@]}"); np99=$(m "${n_p99[@]}")
ac=$(m "${a_cpu[@]}"); nc=$(m "${n_cpu[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

echo
echo "HTTP/1.1 keep-alive, $connections connections, ${seconds}s x $rounds interleaved rounds, $workers worker(s), median:"
printf '%-8s %12s %10s %10s %14s\n' proxy "req/s" "p50 ms" "p99 ms" "req/cpu-s"
printf '%-8s %12s %10s %10s %14s\n' atrium "$ar" "$ap50" "$ap99" "$ac"
printf '%-8s %12s %10s %10s %14s\n' nginx "$nr" "$np50" "$np99" "$nc"
printf '%-8s %12s %10s %10s %14s\n' ratio "$(ratio "$ar" "$nr")" "$(ratio "$ap50" "$np50")" \
  "$(ratio "$ap99" "$np99")" "$(ratio "$ac" "$nc")"
echo "(ratio = atrium / nginx: above 1 is better for req/s and req/cpu-s, below 1 for latency)"
