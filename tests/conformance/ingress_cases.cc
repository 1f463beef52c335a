// The Ingress (networking.k8s.io/v1) cases: the Kubernetes documentation's
// path matching examples table, defaultBackend, service ports by name,
// hosts, conflicts and class resolution. Run in --manifests mode by
// ingress_conformance_test and against the test API server by
// ingress_cluster_conformance_test.

#include "tests/conformance/ingress_cases.h"

#include <string>
#include <utility>
#include <vector>

namespace atrium::conformance {
namespace {

constexpr char kV1[] = "infra-backend-v1";
constexpr char kV2[] = "infra-backend-v2";
constexpr char kV3[] = "infra-backend-v3";

constexpr char kIngressClass[] = R"(apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: atrium
spec:
  controller: atrium.dev/ingress-controller
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: other
spec:
  controller: example.com/other-controller
---
)";

Step At(std::string host, std::string path, std::string backend) {
  Step step;
  step.request.gateway = "";
  step.request.host = std::move(host);
  step.request.path = std::move(path);
  if (backend.empty()) {
    step.expect.status = 404;
  } else {
    step.expect.backend = std::move(backend);
  }
  return step;
}

struct IngressPath {
  std::string type;
  std::string path;
  std::string service;
};

// Ingress returns one Ingress of class atrium in the infra namespace with
// one rule for host.
std::string Ingress(const std::string& name, const std::string& host,
                    const std::vector<IngressPath>& paths, const std::string& extra_meta = "",
                    const std::string& class_line = "  ingressClassName: atrium\n") {
  std::string yaml = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name +
                     "\n  namespace: gateway-conformance-infra\n" + extra_meta + "spec:\n" +
                     class_line + "  rules:\n  - host: " + host + "\n    http:\n      paths:\n";
  for (const IngressPath& path : paths) {
    yaml += "      - pathType: " + path.type + "\n        path: " + path.path +
            "\n        backend:\n          service:\n            name: " + path.service +
            "\n            port:\n              number: 8080\n";
  }
  return yaml + "---\n";
}

// The path matching examples of
// https://kubernetes.io/docs/concepts/services-networking/ingress/#examples
// One Ingress (and host) per row; a matching request reaches v1, a path the
// row's other paths match reaches v2, no match is 404 (no default backend).
ConformanceCase PathTable() {
  struct Row {
    std::vector<IngressPath> paths;
    std::string request;
    std::string want;  // "" → 404
  };
  const std::vector<Row> rows = {
      {{{"Prefix", "/", kV1}}, "/anything/at/all", kV1},
      {{{"Exact", "/foo", kV1}}, "/foo", kV1},
      {{{"Exact", "/foo", kV1}}, "/bar", ""},
      {{{"Exact", "/foo", kV1}}, "/foo/", ""},
      {{{"Exact", "/foo/", kV1}}, "/foo", ""},
      {{{"Prefix", "/foo", kV1}}, "/foo", kV1},
      {{{"Prefix", "/foo", kV1}}, "/foo/", kV1},
      {{{"Prefix", "/foo/", kV1}}, "/foo", kV1},
      {{{"Prefix", "/foo/", kV1}}, "/foo/", kV1},
      {{{"Prefix", "/aaa/bb", kV1}}, "/aaa/bbb", ""},
      {{{"Prefix", "/aaa/bbb", kV1}}, "/aaa/bbb", kV1},
      {{{"Prefix", "/aaa/bbb/", kV1}}, "/aaa/bbb", kV1},
      {{{"Prefix", "/aaa/bbb", kV1}}, "/aaa/bbb/", kV1},
      {{{"Prefix", "/aaa/bbb", kV1}}, "/aaa/bbb/ccc", kV1},
      {{{"Prefix", "/aaa/bbb", kV1}}, "/aaa/bbbxyz", ""},
      {{{"Prefix", "/", kV2}, {"Prefix", "/aaa", kV1}}, "/aaa/ccc", kV1},
      {{{"Prefix", "/", kV2}, {"Prefix", "/aaa", kV3}, {"Prefix", "/aaa/bbb", kV1}},
       "/aaa/bbb",
       kV1},
      {{{"Prefix", "/", kV1}, {"Prefix", "/aaa", kV2}, {"Prefix", "/aaa/bbb", kV3}}, "/ccc", kV1},
      {{{"Prefix", "/aaa", kV1}}, "/ccc", ""},
      {{{"Prefix", "/foo", kV2}, {"Exact", "/foo", kV1}}, "/foo", kV1},
  };
  ConformanceCase test{.name = "IngressPathMatchingTable", .with_gateways = false};
  test.manifests = kIngressClass;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string host = "row" + std::to_string(i) + ".example.com";
    test.manifests += Ingress("row-" + std::to_string(i), host, rows[i].paths);
    test.steps.push_back(At(host, rows[i].request, rows[i].want));
  }
  return test;
}

}  // namespace

std::vector<ConformanceCase> IngressCases() {
  std::vector<ConformanceCase> cases;
  cases.push_back(PathTable());

  // ImplementationSpecific is treated as Prefix (documented choice).
  cases.push_back(
      {.name = "IngressImplementationSpecific",
       .manifests = std::string(kIngressClass) +
                    Ingress("impl", "impl.example.com", {{"ImplementationSpecific", "/app", kV1}}),
       .steps = {At("impl.example.com", "/app", kV1), At("impl.example.com", "/app/x", kV1),
                 At("impl.example.com", "/apple", "")},
       .with_gateways = false});

  cases.push_back({.name = "IngressDefaultBackend",
                   .manifests = std::string(kIngressClass) + R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: default-backend
  namespace: gateway-conformance-infra
spec:
  ingressClassName: atrium
  defaultBackend:
    service:
      name: infra-backend-v2
      port:
        number: 8080
  rules:
  - host: rules.example.com
    http:
      paths:
      - pathType: Prefix
        path: /aaa
        backend:
          service:
            name: infra-backend-v1
            port:
              number: 8080
)",
                   .steps = {At("rules.example.com", "/aaa", kV1),
                             At("rules.example.com", "/ccc", kV2), At("any.other.host", "/", kV2)},
                   .with_gateways = false});

  cases.push_back({.name = "IngressServicePortByName",
                   .manifests = std::string(kIngressClass) + R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: port-by-name
  namespace: gateway-conformance-infra
spec:
  ingressClassName: atrium
  rules:
  - host: named.example.com
    http:
      paths:
      - pathType: Prefix
        path: /
        backend:
          service:
            name: infra-backend-v1
            port:
              name: first-port
)",
                   .steps = {At("named.example.com", "/", kV1)},
                   .with_gateways = false});

  cases.push_back({.name = "IngressHosts",
                   .manifests = std::string(kIngressClass) +
                                Ingress("exact-host", "foo.bar.com", {{"Prefix", "/", kV1}}) +
                                Ingress("wildcard-host", "\"*.bar.com\"", {{"Prefix", "/", kV2}}),
                   .steps = {At("foo.bar.com", "/", kV1), At("baz.bar.com", "/", kV2),
                             At("foo.bar.com:8080", "/", kV1), At("bar.com", "/", ""),
                             At("one.two.bar.com", "/", "")},
                   .with_gateways = false});

  // Same host and path in two Ingresses: the oldest wins, even though its
  // name sorts last (so a name tie-break alone would pick the other). From
  // files the creationTimestamps decide; the API server stamps its own when
  // it creates an object, so there "newer" is created a second later.
  cases.push_back(
      {.name = "IngressConflictOldestWins",
       .manifests = std::string(kIngressClass) +
                    Ingress("older", "conflict.example.com", {{"Prefix", "/", kV2}},
                            "  creationTimestamp: \"2024-01-01T00:00:00Z\"\n"),
       .steps = {At("conflict.example.com", "/", kV2)},
       .with_gateways = false,
       .later_manifests = Ingress("newer", "conflict.example.com", {{"Prefix", "/", kV1}},
                                  "  creationTimestamp: \"2024-02-01T00:00:00Z\"\n")});

  // Class resolution: ingressClassName, the default class, the legacy
  // annotation; other classes are ignored.
  cases.push_back(
      {.name = "IngressClassResolution",
       .manifests =
           R"(apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: atrium
  annotations:
    ingressclass.kubernetes.io/is-default-class: "true"
spec:
  controller: atrium.dev/ingress-controller
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: other
spec:
  controller: example.com/other-controller
---
)" + Ingress("by-name", "by-name.example.com", {{"Prefix", "/", kV1}}) +
           Ingress("by-default", "by-default.example.com", {{"Prefix", "/", kV1}}, "", "") +
           Ingress("by-annotation", "by-annotation.example.com", {{"Prefix", "/", kV1}},
                   "  annotations:\n    kubernetes.io/ingress.class: atrium\n", "") +
           Ingress("other-class", "other-class.example.com", {{"Prefix", "/", kV1}}, "",
                   "  ingressClassName: other\n") +
           Ingress("other-annotation", "other-annotation.example.com", {{"Prefix", "/", kV1}},
                   "  annotations:\n    kubernetes.io/ingress.class: other\n", "") +
           Ingress("missing-class", "missing-class.example.com", {{"Prefix", "/", kV1}}, "",
                   "  ingressClassName: nonexistent\n"),
       .steps = {At("by-name.example.com", "/", kV1), At("by-default.example.com", "/", kV1),
                 At("by-annotation.example.com", "/", kV1), At("other-class.example.com", "/", ""),
                 At("other-annotation.example.com", "/", ""),
                 At("missing-class.example.com", "/", "")},
       .with_gateways = false});

  // Without a default class, an Ingress without a class is not ours.
  cases.push_back(
      {.name = "IngressNoDefaultClass",
       .manifests = std::string(kIngressClass) +
                    Ingress("no-class", "no-class.example.com", {{"Prefix", "/", kV1}}, "", "") +
                    Ingress("by-name", "by-name.example.com", {{"Prefix", "/", kV1}}),
       .steps = {At("no-class.example.com", "/", ""), At("by-name.example.com", "/", kV1)},
       .with_gateways = false});

  // A backend Service that does not exist answers 503 (as ingress-nginx
  // does, see ingress_translator.cc), the other paths keep serving.
  cases.push_back(
      {.name = "IngressMissingService",
       .manifests = std::string(kIngressClass) +
                    Ingress("missing", "missing.example.com",
                            {{"Prefix", "/missing", "no-such-service"}, {"Prefix", "/", kV1}}),
       .steps = {[] {
                   Step step = At("missing.example.com", "/missing", "");
                   step.expect.status = 503;
                   return step;
                 }(),
                 At("missing.example.com", "/", kV1)},
       .with_gateways = false});
  return cases;
}

}  // namespace atrium::conformance
