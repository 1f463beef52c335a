"""Derive the Kubernetes API permissions Atrium needs from its source code.

The chart's RBAC test compares the rules the chart renders with what this
module reads out of controller/: it is never a copied list. It finds

  * the kinds the informers watch: AtriumKinds() in controller/kube/resource_kind.cc
    (ClusterInformersOptions::kinds defaults to it and nothing overrides it);
  * the kinds the status writer reports on: StatusWriter::IdFor;
  * the Lease of leader election: LeaseKind();
  * the Events the event recorder creates and patches: EventKind();
  * every call of the API client (client_.Get/Post/Put/Patch/Delete/Watch) in
    controller/, and the path it builds: CollectionPath (a collection),
    ObjectPath (one object) or StatusPath (its status subresource).

A call this module cannot classify fails the test, so a new API call in the
code forces a look at the chart's RBAC.

Result: a set of Permission(group, resource, verb, scope) where scope is
"watched" (every watched namespace, or the cluster), "cluster" (a
cluster-scoped kind, or Events: they go to the namespace of the object they
are about, "default" for cluster-scoped objects, so they are granted
cluster-wide) or "lease" (the leader-election namespace and Lease).
"""

import collections
import os
import re

Permission = collections.namedtuple("Permission", "group resource verb scope")
Kind = collections.namedtuple("Kind", "kind group version resource namespaced")

VERBS = {
    ("Get", "CollectionPath"): "list",
    ("Watch", "CollectionPath"): "watch",
    ("Post", "CollectionPath"): "create",
    ("Get", "ObjectPath"): "get",
    ("Put", "ObjectPath"): "update",
    ("Patch", "ObjectPath"): "patch",
    ("Delete", "ObjectPath"): "delete",
    ("Get", "StatusPath"): "get",
    ("Put", "StatusPath"): "update",
    ("Patch", "StatusPath"): "patch",
}


class DerivationError(Exception):
    pass


def _read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def _function_body(text, signature_regex):
    m = re.search(signature_regex, text)
    if not m:
        raise DerivationError("cannot find " + signature_regex)
    start = text.index("{", m.end() - 1)
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    raise DerivationError("unbalanced braces after " + signature_regex)


def state_kind_names(root):
    text = _read(root, "controller/state/cluster_state.h")
    return dict(re.findall(r'inline constexpr std::string_view (k\w+) = "(\w+)";', text))


def kinds(root):
    """Returns (informer kinds, lease kind) as read from resource_kind.cc."""
    names = state_kind_names(root)
    text = _read(root, "controller/kube/resource_kind.cc")
    body = _function_body(text, r"AtriumKinds\(\)\s*\{")
    found = []
    for const, group, version, resource, namespaced in re.findall(
            r'\{std::string\(state::(k\w+)\),\s*"([^"]*)",\s*"([^"]*)",\s*"([^"]*)",\s*(true|false)\}',
            body):
        if const not in names:
            raise DerivationError("unknown state constant " + const)
        found.append(Kind(names[const], group, version, resource, namespaced == "true"))
    if len(found) < 5:
        raise DerivationError("AtriumKinds(): found only %d kinds" % len(found))
    lease_body = _function_body(text, r"LeaseKind\(\)\s*\{")
    m = re.search(r'\{"(\w+)",\s*"([^"]*)",\s*"([^"]*)",\s*"([^"]*)",\s*(true|false)\}', lease_body)
    if not m:
        raise DerivationError("LeaseKind(): no kind found")
    lease = Kind(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5) == "true")
    # The informers watch ClusterInformersOptions::kinds: AtriumKinds() unless
    # the wiring sets another list.
    header = _read(root, "controller/kube/cluster_informers.h")
    if not re.search(r"std::vector<ResourceKind> kinds = AtriumKinds\(\);", header):
        raise DerivationError("ClusterInformersOptions::kinds no longer defaults to AtriumKinds()")
    for dirpath, _, files in os.walk(os.path.join(root, "controller")):
        for name in files:
            if name.endswith((".cc", ".h")):
                src = open(os.path.join(dirpath, name), encoding="utf-8").read()
                if re.search(r"\.kinds\s*=", src):
                    raise DerivationError("%s sets the informer kinds; teach rbac_from_code.py"
                                          % os.path.join(dirpath, name))
    return found, lease


def event_kind(root):
    """Returns the Event kind as read from EventKind() in resource_kind.cc."""
    body = _function_body(_read(root, "controller/kube/resource_kind.cc"), r"EventKind\(\)\s*\{")
    m = re.search(r'\{"(\w+)",\s*"([^"]*)",\s*"([^"]*)",\s*"([^"]*)",\s*(true|false)\}', body)
    if not m:
        raise DerivationError("EventKind(): no kind found")
    return Kind(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5) == "true")


def status_kinds(root):
    names = state_kind_names(root)
    body = _function_body(_read(root, "controller/status/status_writer.cc"),
                          r"StatusWriter::IdFor\([^)]*\)\s*\{")
    consts = re.findall(r"kind == state::(k\w+)", body)
    if not consts:
        raise DerivationError("StatusWriter::IdFor: no kinds found")
    return [names[c] for c in consts]


def api_calls(root):
    """Yields (file, method, path function, receiver) for every client call."""
    calls = []
    for dirpath, _, files in os.walk(os.path.join(root, "controller")):
        for name in sorted(files):
            if not name.endswith(".cc") or name == "kube_client.cc":
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            text = _read(root, rel)
            for m in re.finditer(r"\bclient_?\s*(?:\.|->)\s*(Get|Post|Put|Patch|Delete|Watch|Request)\s*\(\s*([^,)]*)",
                                 text):
                method, arg = m.group(1), m.group(2).strip()
                if method == "Request":
                    raise DerivationError("%s: raw client Request(); teach rbac_from_code.py" % rel)
                pm = re.match(r"(\w+)\s*(?:\.|->)\s*(CollectionPath|ObjectPath|StatusPath)\b", arg)
                if not pm and re.fullmatch(r"\w+", arg):
                    # A variable: its nearest assignment before the call.
                    assigns = list(re.finditer(
                        r"\b%s\s*=\s*(\w+)\s*(?:\.|->)\s*(CollectionPath|ObjectPath|StatusPath)\b"
                        % re.escape(arg), text[:m.start()]))
                    if assigns:
                        pm = assigns[-1]
                if not pm:
                    raise DerivationError("%s: cannot tell what %s(%s) addresses; teach "
                                          "rbac_from_code.py" % (rel, method, arg))
                calls.append((rel, method, pm.group(2), pm.group(1)))
    if not calls:
        raise DerivationError("no API client calls found under controller/")
    return calls


def required_permissions(root):
    watched, lease = kinds(root)
    by_name = {k.kind: k for k in watched}
    reported = [by_name[k] for k in status_kinds(root)]
    receivers = {
        # Informer::kind_: one informer per watched kind.
        ("controller/kube/informer.cc", "kind_"): ("watched", watched),
        # StatusWriter: kind = FindKind(id.kind), ids made by IdFor.
        ("controller/status/status_writer.cc", "kind"): ("status", reported),
        ("controller/leader/leader_elector.cc", "lease"): ("lease", [lease]),
        # EventRecorder: events = EventKind(), in any namespace.
        ("controller/kube/event_recorder.cc", "events"): ("events", [event_kind(root)]),
    }
    perms = set()
    for rel, method, path_fn, receiver in api_calls(root):
        key = (rel, receiver)
        if key not in receivers:
            raise DerivationError("%s: client call on %s.%s; teach rbac_from_code.py which kinds "
                                  "it addresses" % (rel, receiver, path_fn))
        role, ks = receivers[key]
        verb = VERBS.get((method, path_fn))
        if verb is None:
            raise DerivationError("%s: %s on %s has no RBAC verb mapping" % (rel, method, path_fn))
        for k in ks:
            resource = k.resource + ("/status" if path_fn == "StatusPath" else "")
            if role == "lease":
                scope = "lease"
            elif role == "events":
                scope = "cluster"
            else:
                scope = "watched" if k.namespaced else "cluster"
            perms.add(Permission(k.group, resource, verb, scope))
    return perms


if __name__ == "__main__":
    import sys
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    for p in sorted(required_permissions(root)):
        print("%-28s %-24s %-7s %s" % (p.group or '""', p.resource, p.verb, p.scope))
