#!/usr/bin/env python3
"""Tests of the Helm chart (charts/atrium), rendered without helm.

  chart_test.py --render BIN --source DIR [--atrium BIN] CHECK

BIN is the renderer built from tests/chart/render (Go text/template + sprig,
the helm functions the chart uses). CHECK is one of:

  render    every values case renders to well-formed, uniquely named objects
            with the security settings the chart promises
  args      every container arg is a flag `atrium --help` lists, and atrium
            accepts the whole argument list (atrium ARGS --help exits 0)
  rbac      the RBAC rules grant exactly what the code uses (rbac_from_code.py):
            every needed resource+verb in the right scope, and nothing more
  ports     ports agree across the Deployment, the Services, the probes, the
            scrape annotations, the ServiceMonitor and Atrium's own flags
  schema    values.schema.json accepts every case and rejects each bad file
  yamllint  Chart.yaml, values.yaml, the test values and every rendered case
  deploy    deploy/atrium.yaml is what scripts/render-deploy.sh renders now
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rbac_from_code  # noqa: E402

GATEWAY_API = "gateway.networking.k8s.io/v1/GatewayClass"
RELEASE, NAMESPACE = "atrium", "atrium-system"


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def cases(source):
    """(name, values files, extra renderer args) of every rendering under test."""
    values_dir = os.path.join(source, "tests", "chart", "values")
    out = [("defaults", [], ["-api-versions", GATEWAY_API]),
           ("defaults-without-gateway-api-crds", [], [])]
    for f in sorted(glob.glob(os.path.join(values_dir, "*.yaml"))):
        out.append((os.path.basename(f)[:-5], [f], ["-api-versions", GATEWAY_API]))
    return out


def render(args, files, extra, name=RELEASE, namespace=NAMESPACE):
    cmd = [args.render, "-chart", os.path.join(args.source, "charts", "atrium"),
           "-name", name, "-namespace", namespace] + extra
    for f in files:
        cmd += ["-f", f]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure("render %s failed: %s" % (files, proc.stderr.strip()))
    return proc.stdout


def objects(text):
    return [d for d in yaml.safe_load_all(text) if d is not None]


def find(objs, kind, name=None):
    return [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]


def one(objs, kind, name=None):
    found = find(objs, kind, name)
    check(len(found) == 1, "expected one %s%s, found %d" % (kind, " " + name if name else "", len(found)))
    return found[0]


def container(objs):
    dep = one(objs, "Deployment")
    cs = dep["spec"]["template"]["spec"]["containers"]
    check(len(cs) == 1 and cs[0]["name"] == "atrium", "one container named atrium")
    return dep, cs[0]


def flag_values(args_list):
    """{flag: [values]} of a container's args (flags take --name=value form)."""
    out = {}
    for a in args_list:
        check(isinstance(a, str) and a.startswith("--"), "arg %r is not a --flag" % (a,))
        name, _, value = a[2:].partition("=")
        out.setdefault(name, []).append(value)
    return out


def parse_duration(text):
    total = 0.0
    for number, unit in re.findall(r"([0-9.]+)(ms|s|m|h)", text):
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return total


# ---------------------------------------------------------------- checks

def check_render(args):
    for name, files, extra in cases(args.source):
        objs = objects(render(args, files, extra))
        seen = set()
        for o in objs:
            for key in ("apiVersion", "kind", "metadata"):
                check(key in o, "%s: object without %s: %s" % (name, key, o))
            meta = o["metadata"]
            check(re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", meta["name"]) and len(meta["name"]) <= 63,
                  "%s: bad name %r" % (name, meta["name"]))
            ident = (o["apiVersion"], o["kind"], meta.get("namespace", ""), meta["name"])
            check(ident not in seen, "%s: duplicate %s" % (name, ident))
            seen.add(ident)
            labels = meta.get("labels", {})
            check(labels.get("app.kubernetes.io/managed-by") == "Helm", "%s: %s lacks labels" % (name, ident))
        dep, c = container(objs)
        pod = dep["spec"]["template"]["spec"]
        psc, csc = pod["securityContext"], c["securityContext"]
        check(psc.get("runAsNonRoot") is True and csc.get("runAsNonRoot") is True, name + ": runAsNonRoot")
        check(psc["seccompProfile"]["type"] == "RuntimeDefault", name + ": seccomp RuntimeDefault")
        check(csc.get("readOnlyRootFilesystem") is True, name + ": readOnlyRootFilesystem")
        check(csc.get("allowPrivilegeEscalation") is False, name + ": allowPrivilegeEscalation")
        check(csc["capabilities"]["drop"] == ["ALL"] and not csc["capabilities"].get("add"),
              name + ": capabilities drop ALL")
        check(c["resources"].get("requests", {}).get("cpu") and c["resources"]["requests"].get("memory"),
              name + ": resource requests")
        check(pod["serviceAccountName"] == one(objs, "ServiceAccount")["metadata"]["name"]
              if find(objs, "ServiceAccount") else True, name + ": serviceAccountName")
        flags = flag_values(c["args"])
        # Drain: Kubernetes must not SIGKILL before Atrium's drain deadline.
        drain = parse_duration(flags["drain-timeout"][-1])
        grace = pod["terminationGracePeriodSeconds"]
        check(grace > drain, "%s: terminationGracePeriodSeconds %s <= --drain-timeout %ss" % (name, grace, drain))
        replicas = dep["spec"].get("replicas")
        hpa = find(objs, "HorizontalPodAutoscaler")
        if hpa:
            check(replicas is None, name + ": replicas set although an HPA scales the Deployment")
            replicas = hpa[0]["spec"]["minReplicas"]
        if replicas > 1:
            check("leader-elect" in flags, name + ": several replicas without --leader-elect")
            pdb = one(objs, "PodDisruptionBudget")
            check(pdb["spec"]["selector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"],
                  name + ": PDB selects the pods")
        else:
            check(not find(objs, "PodDisruptionBudget"), name + ": a PDB with one replica blocks node drains")
        check(dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items(),
              name + ": selector matches the pod labels")
        notes = render(args, files, extra + ["-notes"]).split("\nNOTES:\n", 1)
        check(len(notes) == 2, name + ": NOTES.txt renders")
        user = {}
        for f in files:
            user.update(yaml.safe_load(open(f)) or {})
        if user.get("gatewayClass", {}).get("enabled", True):
            check("standard-install.yaml" in notes[1], name + ": NOTES.txt tells how to install the Gateway API CRDs")
        gc = find(objs, "GatewayClass")
        if not user.get("gatewayClass", {}).get("enabled", True):
            check(not gc, name + ": GatewayClass rendered although disabled")
        elif GATEWAY_API in extra:
            check(gc and gc[0]["spec"]["controllerName"] == "atrium.dev/gateway-controller",
                  name + ": GatewayClass for atrium.dev/gateway-controller")
        else:
            check(not gc, name + ": GatewayClass rendered without the Gateway API CRDs")
        for ic in find(objs, "IngressClass"):
            check(ic["spec"]["controller"] == "atrium.dev/ingress-controller", name + ": IngressClass controller")
        for cm in find(objs, "ConfigMap"):
            for key, value in cm.get("data", {}).items():
                if key.endswith(".json"):
                    json.loads(value)
        print("ok   render %-36s %d objects" % (name, len(objs)))
    # The chart deploys the binary this tree builds.
    chart = yaml.safe_load(open(os.path.join(args.source, "charts", "atrium", "Chart.yaml")))
    project = re.search(r"project\(atrium VERSION ([0-9.]+)", open(os.path.join(args.source, "CMakeLists.txt")).read())
    check(project and chart["appVersion"] == project.group(1),
          "Chart.yaml appVersion %s != CMake project version %s" % (chart["appVersion"], project and project.group(1)))


def help_flags(atrium):
    out = subprocess.run([atrium, "--help"], capture_output=True, text=True, check=True).stdout
    flags = set(re.findall(r"^\s+--([a-z0-9-]+)", out, re.M))
    check(len(flags) > 10, "atrium --help lists only %d flags" % len(flags))
    return flags


def check_args(args):
    check(args.atrium, "--atrium is required")
    known = help_flags(args.atrium)
    for name, files, extra in cases(args.source):
        _, c = container(objects(render(args, files, extra)))
        for flag in flag_values(c["args"]):
            check(flag in known, "%s: --%s is not a flag of atrium --help" % (name, flag))
        check("command" not in c, name + ": the image's ENTRYPOINT is atrium; no command override")
        # The real parser accepts every value (durations, numbers, levels).
        proc = subprocess.run([args.atrium] + c["args"] + ["--help"], capture_output=True, text=True)
        check(proc.returncode == 0, "%s: atrium rejects the args: %s" % (name, proc.stderr.strip()))
        print("ok   args   %-36s %d args" % (name, len(c["args"])))


def granted_permissions(objs, sa_name, sa_ns):
    """{(group, resource, verb, namespace or '*', resourceName or '*')} granted to the SA."""
    roles = {}
    for r in find(objs, "ClusterRole"):
        roles[("ClusterRole", "", r["metadata"]["name"])] = r
    for r in find(objs, "Role"):
        roles[("Role", r["metadata"]["namespace"], r["metadata"]["name"])] = r
    out = set()
    for kind in ("ClusterRoleBinding", "RoleBinding"):
        for b in find(objs, kind):
            subjects = b.get("subjects", [])
            if not any(s["kind"] == "ServiceAccount" and s["name"] == sa_name and s["namespace"] == sa_ns
                       for s in subjects):
                continue
            ns = "*" if kind == "ClusterRoleBinding" else b["metadata"]["namespace"]
            ref = b["roleRef"]
            key = (ref["kind"], "" if ref["kind"] == "ClusterRole" else b["metadata"]["namespace"], ref["name"])
            check(key in roles, "%s %s refers to missing %s" % (kind, b["metadata"]["name"], key))
            for rule in roles[key]["rules"]:
                check("nonResourceURLs" not in rule, "nonResourceURLs granted")
                names = rule.get("resourceNames") or ["*"]
                for g in rule["apiGroups"]:
                    for res in rule["resources"]:
                        for v in rule["verbs"]:
                            check("*" not in (g, res, v), "wildcard in rule %s" % rule)
                            for n in names:
                                out.add((g, res, v, ns, n))
    return out


def check_rbac(args):
    needed = rbac_from_code.required_permissions(args.source)
    print("from the code: %d resource/verb pairs" % len(needed))
    for name, files, extra in cases(args.source):
        objs = objects(render(args, files, extra))
        dep, c = container(objs)
        flags = flag_values(c["args"])
        sa_name = dep["spec"]["template"]["spec"]["serviceAccountName"]
        sa_ns = dep["metadata"]["namespace"]
        watched = []
        for v in flags.get("watch-namespace", []):
            watched += [x for x in v.split(",") if x]
        scopes = {"cluster": ["*"], "watched": watched or ["*"]}
        if "leader-elect" in flags:
            lease_ns = flags.get("leader-election-namespace", [sa_ns])[-1]
            lease_name = flags.get("leader-election-id", ["atrium-leader"])[-1]
        want = set()
        for p in needed:
            if p.scope == "lease":
                if "leader-elect" not in flags:
                    continue
                # create cannot be limited to a name; get/update are.
                want.add((p.group, p.resource, p.verb, lease_ns, "*" if p.verb == "create" else lease_name))
            else:
                for ns in scopes[p.scope]:
                    want.add((p.group, p.resource, p.verb, ns, "*"))
        have = granted_permissions(objs, sa_name, sa_ns)

        def covered(w):
            g, r, v, ns, n = w
            return any(h[0] == g and h[1] == r and h[2] == v and h[3] in ("*", ns) and h[4] in ("*", n)
                       for h in have)
        missing = sorted(w for w in want if not covered(w))
        extra_grants = sorted(have - want)
        check(not missing, "%s: RBAC misses what the code uses: %s" % (name, missing))
        check(not extra_grants, "%s: RBAC grants what the code never uses: %s" % (name, extra_grants))
        print("ok   rbac   %-36s %d grants" % (name, len(have)))


def check_ports(args):
    for name, files, extra in cases(args.source):
        objs = objects(render(args, files, extra))
        dep, c = container(objs)
        pod = dep["spec"]["template"]
        flags = flag_values(c["args"])
        offset = int(flags["port-offset"][-1]) if "port-offset" in flags else 8000
        admin_port = int(flags["admin-address"][-1].rsplit(":", 1)[1])
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        check(len(set(ports.values())) == len(ports), name + ": container ports collide")
        check(ports.get("admin") == admin_port, "%s: container port admin %s != --admin-address port %s"
              % (name, ports.get("admin"), admin_port))
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
            get = c[probe]["httpGet"]
            check(get["path"] == path, "%s: %s path %s" % (name, probe, get["path"]))
            port = ports.get(get["port"], get["port"])
            check(port == admin_port, "%s: %s port %s is not the admin port %s" % (name, probe, port, admin_port))
        ann = pod["metadata"].get("annotations", {})
        if "prometheus.io/port" in ann:
            check(int(ann["prometheus.io/port"]) == admin_port, name + ": prometheus.io/port")
            check(ann.get("prometheus.io/path") == "/metrics", name + ": prometheus.io/path")
        selector = dep["spec"]["selector"]["matchLabels"]
        proxy_service = None
        for svc in find(objs, "Service"):
            check(svc["spec"]["selector"] == selector, "%s: Service %s selects other pods" % (name, svc["metadata"]["name"]))
            for sp in svc["spec"]["ports"]:
                target = sp["targetPort"]
                check(target in ports or target in ports.values(),
                      "%s: Service %s targets unknown port %s" % (name, svc["metadata"]["name"], target))
                bound = ports.get(target, target)
                if sp["name"] in ("http", "https"):
                    proxy_service = svc
                    # A listener on Service port P is served on P + offset when P < 1024.
                    expect = sp["port"] + offset if sp["port"] < 1024 else sp["port"]
                    check(bound == expect, "%s: Service port %s -> %s, but Atrium serves it on %s"
                          % (name, sp["port"], bound, expect))
                else:
                    check(bound == admin_port, "%s: metrics Service port -> %s, admin is %s" % (name, bound, admin_port))
        if proxy_service is not None and proxy_service["spec"]["type"] == "LoadBalancer":
            by_name = {p["name"]: p["port"] for p in proxy_service["spec"]["ports"]}
            if name.startswith("defaults"):
                check(by_name == {"http": 80, "https": 443}, name + ": default Service ports 80/443")
                check(ports["http"] == 8080 and ports["https"] == 8443, name + ": default 8080/8443")
        for sm in find(objs, "ServiceMonitor"):
            metrics = [s for s in find(objs, "Service")
                       if sm["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()]
            check(len(metrics) == 1, "%s: ServiceMonitor selects %d Services" % (name, len(metrics)))
            port_names = {p["name"] for p in metrics[0]["spec"]["ports"]}
            for ep in sm["spec"]["endpoints"]:
                check(ep["port"] in port_names, "%s: ServiceMonitor port %s" % (name, ep["port"]))
        print("ok   ports  %-36s %s" % (name, sorted(ports.items())))


def check_schema(args):
    for name, files, extra in cases(args.source):
        render(args, files, extra)  # render validates first
    bad = sorted(glob.glob(os.path.join(args.source, "tests", "chart", "bad-values", "*.yaml")))
    check(len(bad) >= 3, "expected bad values files")
    for f in bad:
        expect = re.search(r"^# expect: (.+)$", open(f).read(), re.M)
        check(expect, f + ": no '# expect:' line")
        cmd = [args.render, "-chart", os.path.join(args.source, "charts", "atrium"), "-validate-only", "-f", f]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        check(proc.returncode != 0, "%s: accepted, should be rejected" % f)
        check(expect.group(1).strip() in proc.stderr,
              "%s: rejected for another reason:\n%s\n(expected %r)" % (f, proc.stderr, expect.group(1)))
        print("ok   schema rejects %s" % os.path.basename(f))


def check_yamllint(args):
    config = os.path.join(args.source, "tests", "chart", "yamllint.yaml")
    chart = os.path.join(args.source, "charts", "atrium")
    paths = [os.path.join(chart, "Chart.yaml"), os.path.join(chart, "values.yaml"),
             os.path.join(args.source, "deploy", "atrium.yaml")]
    paths += sorted(glob.glob(os.path.join(args.source, "tests", "chart", "values", "*.yaml")))
    proc = subprocess.run(["yamllint", "-f", "parsable", "-c", config] + paths, capture_output=True, text=True)
    check(proc.returncode == 0, "yamllint:\n" + proc.stdout + proc.stderr)
    # Rendered output: the same rules, except line length (the dashboard's
    # PromQL lives in long JSON lines of its ConfigMap).
    rendered_config = yaml.safe_load(open(config))
    rendered_config["rules"]["line-length"] = "disable"
    with tempfile.TemporaryDirectory() as tmp:
        rendered = []
        for name, files, extra in cases(args.source):
            p = os.path.join(tmp, name + ".yaml")
            with open(p, "w") as f:
                f.write(render(args, files, extra))
            rendered.append(p)
        proc = subprocess.run(["yamllint", "-f", "parsable", "-d", json.dumps(rendered_config)] + rendered,
                              capture_output=True, text=True)
        check(proc.returncode == 0, "yamllint (rendered):\n" + proc.stdout + proc.stderr)
        paths += rendered
    # The templates are Go templates, not YAML: check them for tabs and
    # trailing spaces, which yamllint would have caught.
    for t in glob.glob(os.path.join(chart, "templates", "*")):
        for i, line in enumerate(open(t), 1):
            check("\t" not in line and line.rstrip("\n") == line.rstrip("\n").rstrip(),
                  "%s:%d: tab or trailing space" % (t, i))
    print("ok   yamllint %d files" % len(paths))


def check_deploy(args):
    script = os.path.join(args.source, "scripts", "render-deploy.sh")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "atrium.yaml")
        proc = subprocess.run([script, "--render", args.render, "--output", out], capture_output=True, text=True)
        check(proc.returncode == 0, "render-deploy.sh failed: " + proc.stderr)
        fresh = open(out).read()
    committed = open(os.path.join(args.source, "deploy", "atrium.yaml")).read()
    check(fresh == committed, "deploy/atrium.yaml is stale: run scripts/render-deploy.sh")
    objs = objects(committed)
    check(objs[0]["kind"] == "Namespace", "deploy/atrium.yaml starts with its Namespace")
    print("ok   deploy/atrium.yaml is up to date (%d objects)" % len(objs))


CHECKS = {"render": check_render, "args": check_args, "rbac": check_rbac, "ports": check_ports,
          "schema": check_schema, "yamllint": check_yamllint, "deploy": check_deploy}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--render", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--atrium")
    parser.add_argument("check", choices=sorted(CHECKS))
    args = parser.parse_args()
    try:
        CHECKS[args.check](args)
    except (Failure, rbac_from_code.DerivationError) as e:
        print("FAIL " + str(e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
