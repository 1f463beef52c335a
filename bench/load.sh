#!/usr/bin/env bash
# load.sh: Atrium against nginx as reverse proxies in front of the same
# backend, on loopback, measured with wrk in interleaved runs.
#
#   bench/load.sh [--tls] BUILD_DIR [CONNECTIONS] [SECONDS] [ROUNDS]
#
# The backend is an nginx server answering a fixed 200. Both proxies run the
# same number of workers (WORKERS, default 1: on a 2-core machine wrk, the
# backend and the proxy share the cores) with upstream keep-alive, no access
# logs, and the same request rewriting (nginx is configured to add the
# X-Forwarded-*, X-Request-Id and Via headers Atrium adds). Prints
# requests/s, p50, p99 and requests per CPU-second of the proxy process(es)
# for each, the median over ROUNDS runs, and the Atrium/nginx ratio.
#
# --tls adds a TLS section after the HTTP lines (which are measured exactly
# as without it): both proxies also terminate TLS with the same self-signed
# ECDSA P-256 certificate (made with the openssl CLI), and the script prints
# keep-alive HTTPS req/s (wrk) and full handshakes/s (openssl s_time -new,
# one connection at a time, no resumption) for each.
set -euo pipefail

tls=0
if [[ ${1:-} == --tls ]]; then
  tls=1
  shift
fi
build=${1:?usage: load.sh [--tls] BUILD_DIR [CONNECTIONS] [SECONDS] [ROUNDS]}
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
nginx_tls_port=18195
atrium_tls_port=18196
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/backend" "$work/nginx" "$work/manifests"
if ((tls)); then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=bench.local -addext subjectAltName=DNS:bench.local \
    -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
fi
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
  # The request headers Atrium adds to every forwarded request
  # (X-Forwarded-Proto/-Host, X-Request-Id when absent, Via), so both
  # proxies do the same work per request.
  map \$http_x_request_id \$bench_request_id {
    "" \$request_id;
    default \$http_x_request_id;
  }
  map \$http_via \$bench_via {
    "" "1.1 nginx";
    default "\$http_via, 1.1 nginx";
  }
  server {
    listen 127.0.0.1:$nginx_port reuseport;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_set_header X-Request-Id \$bench_request_id;
      proxy_set_header Via \$bench_via;
      proxy_buffering on;
    }
  }
$(if ((tls)); then cat <<TLS
  server {
    listen 127.0.0.1:$nginx_tls_port ssl reuseport;
    ssl_certificate $work/tls.crt;
    ssl_certificate_key $work/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets on;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_set_header X-Request-Id \$bench_request_id;
      proxy_set_header Via \$bench_via;
      proxy_buffering on;
    }
  }
TLS
fi)
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
if ((tls)); then
  # A Gateway of its own for HTTPS, so the HTTP Gateway above stays exactly
  # what the HTTP lines have always measured.
  cat >"$work/manifests/bench-tls.yaml" <<EOF
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench-tls, namespace: default}
spec:
  gatewayClassName: atrium
  listeners:
  - name: https
    protocol: HTTPS
    port: $atrium_tls_port
    tls: {mode: Terminate, certificateRefs: [{name: bench-tls}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bench-tls, namespace: default}
spec:
  parentRefs: [{name: bench-tls}]
  rules: [{backendRefs: [{name: backend, port: 80}]}]
---
apiVersion: v1
kind: Secret
metadata: {name: bench-tls, namespace: default}
type: kubernetes.io/tls
data:
  tls.crt: $(base64 -w0 "$work/tls.crt")
  tls.key: $(base64 -w0 "$work/tls.key")
EOF
fi

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
    if curl -kfsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "not ready: $1" >&2
  exit 1
}
wait_for "http://127.0.0.1:$backend_port/"
wait_for "http://127.0.0.1:$nginx_port/"
wait_for "http://127.0.0.1:$atrium_port/"
if ((tls)); then
  wait_for "https://127.0.0.1:$nginx_tls_port/"
  wait_for "https://127.0.0.1:$atrium_tls_port/"
fi

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

run_one() {  # run_one NAME PORT PID [SCHEME] -> "rps p50_ms p99_ms rps_per_cpu_s"
  local name=$1 port=$2 pid=$3 scheme=${4:-http}
  local before after out rps p50 p99 cpu
  before=$(cpu_ticks "$pid")
  out=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$scheme://127.0.0.1:$port/")
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

((tls)) || exit 0

# handshakes PORT PID -> "handshakes_per_s handshakes_per_cpu_s": full
# handshakes (s_time -new: no resumption), one connection at a time.
handshakes() {
  local port=$1 pid=$2 before after out count cpu
  before=$(cpu_ticks "$pid")
  out=$(openssl s_time -connect "127.0.0.1:$port" -new -time "$seconds" 2>/dev/null </dev/null)
  after=$(cpu_ticks "$pid")
  count=$(awk '/connections in/ && /real seconds/ {print $1; exit}' <<<"$out")
  cpu=$(awk -v t=$((after - before)) -v hz="$hz" 'BEGIN {printf "%.3f", t / hz}')
  awk -v n="${count:-0}" -v s="$seconds" -v c="$cpu" 'BEGIN {
    printf "%.0f %.0f\n", n / s, (c > 0 ? n / c : 0) }'
}

wrk -t1 -c"$connections" -d2s "https://127.0.0.1:$atrium_tls_port/" >/dev/null
wrk -t1 -c"$connections" -d2s "https://127.0.0.1:$nginx_tls_port/" >/dev/null
declare -a ta_rps ta_p99 ta_cpu tn_rps tn_p99 tn_cpu ta_hs ta_hcpu tn_hs tn_hcpu
for round in $(seq 1 "$rounds"); do
  read -r r p50 p99 c < <(run_one atrium "$atrium_tls_port" "$atrium_pid" https)
  ta_rps+=("$r"); ta_p99+=("$p99"); ta_cpu+=("$c")
  read -r h hc < <(handshakes "$atrium_tls_port" "$atrium_pid")
  ta_hs+=("$h"); ta_hcpu+=("$hc")
  echo "round $round atrium: https $r req/s p99 ${p99}ms $c req/cpu-s; $h handshakes/s, $hc per cpu-s"
  read -r r p50 p99 c < <(run_one nginx "$nginx_tls_port" "$nginx_pid" https)
  tn_rps+=("$r"); tn_p99+=("$p99"); tn_cpu+=("$c")
  read -r h hc < <(handshakes "$nginx_tls_port" "$nginx_pid")
  tn_hs+=("$h"); tn_hcpu+=("$hc")
  echo "round $round nginx : https $r req/s p99 ${p99}ms $c req/cpu-s; $h handshakes/s, $hc per cpu-s"
done

ar=$(m "${ta_rps[@]}"); nr=$(m "${tn_rps[@]}")
ap99=$(m "${ta_p99[@]}"); np99=$(m "${tn_p99[@]}")
ac=$(m "${ta_cpu[@]}"); nc=$(m "${tn_cpu[@]}")
ah=$(m "${ta_hs[@]}"); nh=$(m "${tn_hs[@]}")
ahc=$(m "${ta_hcpu[@]}"); nhc=$(m "${tn_hcpu[@]}")
echo
echo "TLS (ECDSA P-256, same certificate): keep-alive HTTPS with wrk, $connections connections;"
echo "full handshakes with openssl s_time -new, sequential; ${seconds}s x $rounds rounds, median:"
printf '%-8s %12s %10s %12s %13s %17s\n' proxy "https req/s" "p99 ms" "req/cpu-s" "handshakes/s" "handshakes/cpu-s"
printf '%-8s %12s %10s %12s %13s %17s\n' atrium "$ar" "$ap99" "$ac" "$ah" "$ahc"
printf '%-8s %12s %10s %12s %13s %17s\n' nginx "$nr" "$np99" "$nc" "$nh" "$nhc"
printf '%-8s %12s %10s %12s %13s %17s\n' ratio "$(ratio "$ar" "$nr")" "$(ratio "$ap99" "$np99")" \
  "$(ratio "$ac" "$nc")" "$(ratio "$ah" "$nh")" "$(ratio "$ahc" "$nhc")"
