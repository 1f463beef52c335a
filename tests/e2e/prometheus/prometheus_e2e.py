#!/usr/bin/env python3
"""Atrium observed through the real Prometheus server, end to end.

  prometheus_e2e.py --atrium BIN --dashboard JSON [--prometheus BIN --promtool BIN] MODE

MODE prometheus: start an echo backend, the real atrium (--manifests with a
Gateway + HTTPRoute) and Debian's prometheus, all on loopback on free ports,
scraping Atrium's admin port every second. Send traffic through the proxy,
then query Prometheus' HTTP API until the request counters and the duration
histogram show exactly what Atrium's /metrics shows (deadline, no fixed
sleeps). Run `promtool check metrics` on /metrics, check the metric naming
conventions, and run every PromQL query of the Grafana dashboard through
Prometheus.

MODE dashboard: start the backend and atrium only, send traffic, and check
that every metric and label the dashboard queries exists on /metrics.

Everything started here is stopped here.
"""

import argparse
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HOST = "e2e.example.com"
DEADLINE = 60.0


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, fn, timeout=DEADLINE, interval=0.05):
    """Polls fn until it returns a truthy value; fails after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
            last = value
        except (OSError, urllib.error.URLError, ValueError, KeyError) as e:
            last = e
        time.sleep(interval)
    raise Failure("timed out waiting for %s (last: %r)" % (what, last))


def http_get(url, headers=None, timeout=5):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class Echo(http.server.BaseHTTPRequestHandler):
    """/status/N answers N; anything else 200."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        m = re.match(r"/status/(\d{3})$", self.path)
        code = int(m.group(1)) if m else 200
        body = b'{"backend":"echo"}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


MANIFESTS = """\
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: atrium
spec:
  controllerName: atrium.dev/gateway-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: e2e
  namespace: default
spec:
  gatewayClassName: atrium
  listeners:
    - name: http
      protocol: HTTP
      port: {proxy_port}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: echo
  namespace: default
spec:
  parentRefs:
    - name: e2e
  hostnames:
    - {host}
  rules:
    - backendRefs:
        - name: echo
          port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: echo
  namespace: default
spec:
  ports:
    - name: http
      port: 80
      targetPort: {backend_port}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-1
  namespace: default
  labels:
    kubernetes.io/service-name: echo
addressType: IPv4
ports:
  - name: http
    port: {backend_port}
    protocol: TCP
endpoints:
  - addresses:
      - 127.0.0.1
    conditions:
      ready: true
"""


class World:
    """The processes and servers of one test run; stop() ends all of them."""

    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="atrium-prom-")
        self.procs = []
        self.backend = None

    def start_process(self, name, cmd):
        log = open(os.path.join(self.tmp, name + ".log"), "w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append((name, proc, log))
        return proc

    def log_tail(self, name):
        try:
            with open(os.path.join(self.tmp, name + ".log")) as f:
                return "".join(f.readlines()[-30:])
        except OSError:
            return ""

    def start_atrium(self):
        self.backend = Server(("127.0.0.1", 0), Echo)
        threading.Thread(target=self.backend.serve_forever, daemon=True).start()
        backend_port = self.backend.server_address[1]
        self.proxy_port = free_port()
        self.admin_port = free_port()
        manifests = os.path.join(self.tmp, "manifests")
        os.mkdir(manifests)
        with open(os.path.join(manifests, "e2e.yaml"), "w") as f:
            f.write(MANIFESTS.format(proxy_port=self.proxy_port, backend_port=backend_port, host=HOST))
        proc = self.start_process("atrium", [
            self.args.atrium, "--manifests", manifests, "--workers", "2",
            "--admin-address", "127.0.0.1:%d" % self.admin_port])
        self.admin = "http://127.0.0.1:%d" % self.admin_port

        def ready():
            check(proc.poll() is None, "atrium exited:\n" + self.log_tail("atrium"))
            return http_get(self.admin + "/readyz")[0] == 200
        wait_for("atrium /readyz", ready)
        # The route is live once a request through the proxy reaches the backend.
        wait_for("the route through the proxy", lambda: self.request("/")[0] == 200)

    def request(self, path):
        return http_get("http://127.0.0.1:%d%s" % (self.proxy_port, path), {"Host": HOST})

    def start_prometheus(self):
        self.prom_port = free_port()
        config = os.path.join(self.tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: atrium\n    metrics_path: /metrics\n"
                    "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % self.admin_port)
        proc = self.start_process("prometheus", [
            self.args.prometheus, "--config.file=" + config,
            "--storage.tsdb.path=" + os.path.join(self.tmp, "tsdb"),
            "--web.listen-address=127.0.0.1:%d" % self.prom_port,
            "--log.level=warn"])
        self.prom = "http://127.0.0.1:%d" % self.prom_port

        def ready():
            check(proc.poll() is None, "prometheus exited:\n" + self.log_tail("prometheus"))
            return http_get(self.prom + "/-/ready")[0] == 200
        wait_for("prometheus /-/ready", ready)

    def query(self, promql):
        """Instant query; returns the result list (fails on a PromQL error)."""
        status, body = http_get(self.prom + "/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        data = json.loads(body)
        check(status == 200 and data.get("status") == "success",
              "query %s failed: %s" % (promql, body))
        return data["data"]["result"]

    def scalar(self, promql):
        result = self.query(promql)
        return float(result[0]["value"][1]) if result else None

    def stop(self):
        for name, proc, log in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
        if self.backend is not None:
            self.backend.shutdown()
            self.backend.server_close()
        shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------- /metrics

def parse_metrics(text):
    """Returns (families {name: type}, samples [(name, {labels}, value)])."""
    families, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(None, 3)
            families[name] = kind
        elif line and not line.startswith("#"):
            m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)', line)
            check(m, "unparsable /metrics line: " + line)
            labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
            samples.append((m.group(1), labels, float(m.group(4))))
    return families, samples


UNBOUNDED_LABELS = {"path", "url", "uri", "host", "authority", "client", "client_ip", "ip",
                    "remote_addr", "user_agent", "request_id", "query", "method_raw"}


def check_conventions(text):
    families, samples = parse_metrics(text)
    check(families, "no metric families on /metrics")
    for name, kind in families.items():
        # process_* are the standard names every Prometheus client library
        # gives its process's own figures (resident memory, CPU, fds).
        check(name.startswith("atrium_") or name.startswith("process_"),
              "%s: metric names start with atrium_ (or process_)" % name)
        check(re.fullmatch(r"[a-z][a-z0-9_]*", name), "%s: snake_case" % name)
        check(not re.search(r"_(ms|milliseconds|microseconds|us|minutes|hours|kilobytes|megabytes)(_|$)", name),
              "%s: base units only (seconds, bytes)" % name)
        if kind == "counter":
            check(name.endswith("_total"), "%s: counters end in _total" % name)
        else:
            check(not name.endswith("_total"), "%s: only counters end in _total" % name)
        if kind == "histogram" or "duration" in name or "latency" in name or "timestamp" in name:
            check(name.endswith("_seconds") or name.endswith("_bytes"),
                  "%s: durations and timestamps are in _seconds" % name)
    series_per_family = {}
    for name, labels, _ in samples:
        base = re.sub(r"_(bucket|sum|count)$", "", name) if name not in families else name
        check(base in families, "sample %s has no # TYPE" % name)
        for label in labels:
            check(label not in UNBOUNDED_LABELS, "%s: unbounded label %s" % (name, label))
        series_per_family[base] = series_per_family.get(base, 0) + 1
    for name, n in series_per_family.items():
        check(n < 500, "%s: %d series in a one-route test: unbounded labels?" % (name, n))
    return families, samples


def promtool_check(promtool, text):
    proc = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    check(proc.returncode == 0 and not proc.stdout.strip() and not proc.stderr.strip(),
          "promtool check metrics:\n%s%s" % (proc.stdout, proc.stderr))


# ------------------------------------------------------------ dashboard

def dashboard_queries(path):
    with open(path) as f:
        dash = json.load(f)
    exprs = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    exprs.append((p.get("title", "?"), t["expr"]))
            walk(p.get("panels", []))
    walk(dash.get("panels", []))
    for var in dash.get("templating", {}).get("list", []):
        q = var.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if var.get("type") == "query" and q:
            exprs.append(("variable " + var["name"], q))
    check(len(exprs) >= 10, "the dashboard has only %d queries" % len(exprs))
    return exprs


PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
                "offset", "bool"}


def check_dashboard_against_scrape(path, text):
    families, samples = parse_metrics(text)
    names = {s[0] for s in samples}
    labels_of = {}
    for name, labels, _ in samples:
        labels_of.setdefault(name, set()).update(labels)
    all_labels = set().union(*labels_of.values()) | {"job", "instance", "le"}
    used = set()
    for title, expr in dashboard_queries(path):
        metrics = set(re.findall(r"\b(atrium_[a-z0-9_]+)\b", expr))
        check(metrics, "%s: queries no atrium metric: %s" % (title, expr))
        for m in metrics:
            check(m in names, "%s: %s is not on /metrics (has: %s)" % (title, m, sorted(families)))
            used.add(m)
        # Labels in by(...)/without(...) and in {matchers} exist on Atrium's series.
        for group in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
            for label in [x.strip() for x in group.split(",") if x.strip()]:
                check(label in all_labels, "%s: groups by unknown label %s" % (title, label))
        for matchers in re.findall(r"\{([^}]*)\}", expr):
            for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matchers):
                check(label in all_labels, "%s: matches on unknown label %s" % (title, label))
        # label_values(metric, label)
        for metric_expr, label in re.findall(r"label_values\(([^,]+),\s*(\w+)\)", expr):
            check(label in all_labels, "%s: label_values of unknown label %s" % (title, label))
    return used


def concrete(expr):
    """A dashboard query with Grafana's variables filled in."""
    return (expr.replace("$__rate_interval", "1m").replace("$__interval", "15s")
            .replace('"$job"', '".*"').replace('"$instance"', '".*"').replace('"$route"', '".*"'))


# ------------------------------------------------------------------ modes

def send_traffic(world, ok, errors):
    for _ in range(ok):
        status, body = world.request("/")
        check(status == 200 and "echo" in body, "GET / through the proxy: %s %s" % (status, body))
    for _ in range(errors):
        status, _ = world.request("/status/503")
        check(status == 503, "GET /status/503 through the proxy: %s" % status)


def metric_sum(samples, name, **match):
    return sum(v for n, labels, v in samples
               if n == name and all(labels.get(k) == want for k, want in match.items()))


def run_prometheus(args):
    world = World(args)
    try:
        world.start_atrium()
        world.start_prometheus()
        wait_for("Prometheus to scrape Atrium (up == 1)",
                 lambda: world.scalar('up{job="atrium"}') == 1.0)
        ok, errors = 40, 7
        send_traffic(world, ok, errors)

        # A request is counted when its exchange ends, after the last byte
        # of its response is written: the client can read the response
        # before the count moves, so the scrape is retried (wait_for keeps
        # the last ValueError, which says what was counted) until it has them.
        def scrape_counting_every_request():
            status, text = http_get(world.admin + "/metrics")
            check(status == 200, "/metrics answered %s" % status)
            _, samples = check_conventions(text)
            counted_2xx = metric_sum(samples, "atrium_requests_total", status_class="2xx")
            counted_5xx = metric_sum(samples, "atrium_requests_total", status_class="5xx")
            counts = "/metrics counts 2xx=%s 5xx=%s after %d+%d requests" % (
                counted_2xx, counted_5xx, ok, errors)
            check(counted_5xx <= errors, counts)
            if counted_2xx < ok or counted_5xx < errors:
                raise ValueError(counts)
            return text, samples, counted_2xx, counted_5xx

        text, samples, direct_2xx, direct_5xx = wait_for(
            "/metrics to count every request", scrape_counting_every_request)
        direct_count = metric_sum(samples, "atrium_request_duration_seconds_count")
        check(direct_count == direct_2xx + direct_5xx,
              "duration histogram count %s != requests %s" % (direct_count, direct_2xx + direct_5xx))

        # Prometheus catches up with what /metrics says (no more traffic now).
        wait_for("Prometheus to see the 2xx requests",
                 lambda: world.scalar('sum(atrium_requests_total{job="atrium",status_class="2xx"})') == direct_2xx)
        wait_for("Prometheus to see the 5xx requests",
                 lambda: world.scalar('sum(atrium_requests_total{job="atrium",status_class="5xx"})') == direct_5xx)
        wait_for("Prometheus to see the duration histogram",
                 lambda: world.scalar('sum(atrium_request_duration_seconds_count{job="atrium"})') == direct_count)
        by_route = world.query('sum by (route, backend) (atrium_requests_total{job="atrium"})')
        check(any("echo" in json.dumps(r["metric"]) for r in by_route),
              "no series of route/backend echo: %s" % by_route)
        inf = world.scalar('sum(atrium_request_duration_seconds_bucket{job="atrium",le="+Inf"})')
        check(inf == direct_count, "+Inf bucket %s != count %s" % (inf, direct_count))
        p99 = world.scalar('histogram_quantile(0.99, sum by (le) (atrium_request_duration_seconds_bucket{job="atrium"}))')
        check(p99 is not None and 0 < p99 < 5, "p99 latency from Prometheus: %s" % p99)
        print("ok   prometheus sees 2xx=%d 5xx=%d, histogram count=%d, p99=%.4fs"
              % (direct_2xx, direct_5xx, direct_count, p99))

        promtool_check(args.promtool, text)
        print("ok   promtool check metrics")

        check_dashboard_against_scrape(args.dashboard, text)
        # Every dashboard query is valid PromQL for this Prometheus, and the
        # request-rate panel shows the traffic.
        for title, expr in dashboard_queries(args.dashboard):
            if expr.startswith("label_values("):
                m = re.match(r"label_values\((.*),\s*(\w+)\)$", expr)
                world.query(concrete(m.group(1)))
            else:
                world.query(concrete(expr))
        rate = wait_for("the dashboard's request rate to show traffic", lambda: world.query(
            concrete(dashboard_queries(args.dashboard)[0][1])))
        print("ok   %d dashboard queries run on Prometheus; request rate %s"
              % (len(dashboard_queries(args.dashboard)), rate[0]["value"][1]))
    finally:
        world.stop()


def run_dashboard(args):
    world = World(args)
    try:
        world.start_atrium()
        send_traffic(world, 5, 2)
        status, text = http_get(world.admin + "/metrics")
        check(status == 200, "/metrics answered %s" % status)
        used = check_dashboard_against_scrape(args.dashboard, text)
        print("ok   the dashboard's %d metrics are all on /metrics: %s" % (len(used), ", ".join(sorted(used))))
    finally:
        world.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atrium", required=True)
    parser.add_argument("--dashboard", required=True)
    parser.add_argument("--prometheus", default=shutil.which("prometheus"))
    parser.add_argument("--promtool", default=shutil.which("promtool"))
    parser.add_argument("mode", choices=["prometheus", "dashboard"])
    args = parser.parse_args()
    try:
        if args.mode == "prometheus":
            check(args.prometheus and args.promtool, "prometheus/promtool not found: run scripts/install-deps.sh")
            run_prometheus(args)
        else:
            run_dashboard(args)
    except Failure as e:
        print("FAIL " + str(e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
