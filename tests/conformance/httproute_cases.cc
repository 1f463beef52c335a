// The reproduced Gateway API conformance HTTPRoute cases (kubernetes-sigs/
// gateway-api conformance/tests/httproute-*.yaml and .go): the same objects,
// requests and expectations. Run in --manifests mode by
// httproute_conformance_test and against the test API server by
// httproute_cluster_conformance_test.

#include "tests/conformance/httproute_cases.h"

#include <string>
#include <utility>
#include <vector>

namespace atrium::conformance {
namespace {

constexpr char kV1[] = "infra-backend-v1";
constexpr char kV2[] = "infra-backend-v2";
constexpr char kV3[] = "infra-backend-v3";

Step To(std::string path, std::string backend, Headers headers = {}) {
  Step step;
  step.request.path = std::move(path);
  step.request.headers = std::move(headers);
  step.expect.backend = std::move(backend);
  return step;
}

Step HostTo(std::string host, std::string path, std::string backend, Headers headers = {}) {
  Step step = To(std::move(path), std::move(backend), std::move(headers));
  step.request.host = std::move(host);
  return step;
}

Step Status(int status, std::string path, Headers headers = {}, std::string host = "") {
  Step step;
  step.request.path = std::move(path);
  step.request.headers = std::move(headers);
  step.request.host = std::move(host);
  step.expect.status = status;
  return step;
}

Step Redirect(std::string path, int status, std::string location) {
  Step step = Status(status, std::move(path));
  step.expect.location = std::move(location);
  return step;
}

Step Method(std::string method, std::string path, std::string backend, Headers headers = {}) {
  Step step = backend.empty() ? Status(404, std::move(path), std::move(headers))
                              : To(std::move(path), std::move(backend), std::move(headers));
  step.request.method = std::move(method);
  return step;
}

ConditionCheck Condition(std::string route, std::string parent, std::string type,
                         std::string status, std::string reason, std::string ns = kInfraNs) {
  return {.ns = std::move(ns),
          .name = std::move(route),
          .parent = std::move(parent),
          .type = std::move(type),
          .status = std::move(status),
          .reason = std::move(reason)};
}

}  // namespace

std::string Route(const std::string& name, const std::string& body, const std::string& parent) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: " + name +
         "\n  namespace: gateway-conformance-infra\nspec:\n  parentRefs:\n  - name: " + parent +
         "\n" + body;
}

std::vector<ConformanceCase> HttpRouteCases() {
  std::vector<ConformanceCase> cases;

  cases.push_back({.name = "HTTPRouteSimpleSameNamespace",
                   .manifests = Route("gateway-conformance-infra-test", R"(  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
)"),
                   .conditions = RouteReady("gateway-conformance-infra-test"),
                   .steps = {To("/", kV1)}});

  {
    Step step = To("/", "web-backend");
    step.request.gateway = "backend-namespaces";
    step.expect.ns = kWebNs;
    cases.push_back({.name = "HTTPRouteCrossNamespace",
                     .manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: cross-namespace
  namespace: gateway-conformance-web-backend
spec:
  parentRefs:
  - name: backend-namespaces
    namespace: gateway-conformance-infra
  rules:
  - backendRefs:
    - name: web-backend
      port: 8080
)",
                     .conditions = RouteReady("cross-namespace", "backend-namespaces", kWebNs),
                     .steps = {step}});
  }

  cases.push_back({.name = "HTTPRouteExactPathMatching",
                   .manifests = Route("exact-matching", R"(  rules:
  - matches:
    - path:
        type: Exact
        value: /one
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: Exact
        value: /two
    backendRefs:
    - name: infra-backend-v2
      port: 8080
)"),
                   .conditions = RouteReady("exact-matching"),
                   .steps = {To("/one", kV1), To("/two", kV2), Status(404, "/"),
                             Status(404, "/one/example"), Status(404, "/two/")}});

  cases.push_back(
      {.name = "HTTPRouteMatching",
       .manifests = Route("matching", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /
    - headers:
      - name: version
        value: one
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /v2
    - headers:
      - name: version
        value: two
    backendRefs:
    - name: infra-backend-v2
      port: 8080
)"),
       .conditions = RouteReady("matching"),
       .steps = {To("/", kV1), To("/example", kV1), To("/", kV1, {{"Version", "one"}}),
                 To("/v2", kV2), To("/v2/example", kV2), To("/", kV2, {{"Version", "two"}})}});

  cases.push_back(
      {.name = "HTTPRouteMatchingAcrossRoutes",
       .manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: matching-part1
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: same-namespace
  hostnames:
  - example.com
  - example.net
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /
    - headers:
      - name: version
        value: one
    backendRefs:
    - name: infra-backend-v1
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: matching-part2
  namespace: gateway-conformance-infra
spec:
  hostnames:
  - "*.com"
  parentRefs:
  - name: same-namespace
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /v2
    - headers:
      - name: version
        value: two
    backendRefs:
    - name: infra-backend-v2
      port: 8080
)",
       .conditions = RouteReady("matching-part1"),
       .steps = {HostTo("example.com", "/", kV1), HostTo("example.com", "/example", kV1),
                 HostTo("example.net", "/example", kV1),
                 HostTo("example.com", "/example", kV1, {{"Version", "one"}}),
                 HostTo("example.com", "/v2", kV2), HostTo("example.net", "/v2", kV1),
                 HostTo("example.com", "/v2/example", kV2),
                 HostTo("example.com", "/", kV2, {{"Version", "two"}})}});

  cases.push_back({.name = "HTTPRouteHeaderMatching",
                   .manifests = Route("header-matching", R"(  rules:
  - matches:
    - headers:
      - name: version
        value: one
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - headers:
      - name: version
        value: two
    backendRefs:
    - name: infra-backend-v2
      port: 8080
  - matches:
    - headers:
      - name: version
        value: two
      - name: color
        value: orange
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - headers:
      - name: color
        value: blue
    - headers:
      - name: color
        value: green
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - headers:
      - name: color
        value: red
    - headers:
      - name: color
        value: yellow
    backendRefs:
    - name: infra-backend-v2
      port: 8080
)"),
                   .conditions = RouteReady("header-matching"),
                   .steps = {To("/", kV1, {{"Version", "one"}}), To("/", kV2, {{"Version", "two"}}),
                             To("/", kV1, {{"Version", "two"}, {"Color", "orange"}}),
                             To("/", kV2, {{"Version", "two"}, {"Color", "blue"}}),
                             Status(404, "/", {{"Color", "orange"}}),
                             Status(404, "/", {{"Some-Other-Header", "one"}}),
                             To("/", kV1, {{"Color", "blue"}}), To("/", kV1, {{"Color", "green"}}),
                             To("/", kV2, {{"Color", "red"}}), To("/", kV2, {{"Color", "yellow"}}),
                             Status(404, "/", {{"Color", "purple"}})}});

  cases.push_back(
      {.name = "HTTPRouteQueryParamMatching",
       .manifests = Route("query-param-matching", R"(  rules:
  - matches:
    - queryParams:
      - name: animal
        value: whale
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - queryParams:
      - name: animal
        value: dolphin
    backendRefs:
    - name: infra-backend-v2
      port: 8080
  - matches:
    - queryParams:
      - name: animal
        value: dolphin
      - name: color
        value: blue
    - queryParams:
      - name: ANIMAL
        value: Whale
    backendRefs:
    - name: infra-backend-v3
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /path1
      queryParams:
      - name: animal
        value: whale
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - headers:
      - name: version
        value: one
      queryParams:
      - name: animal
        value: whale
    backendRefs:
    - name: infra-backend-v2
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /path2
      headers:
      - name: version
        value: two
      queryParams:
      - name: animal
        value: whale
    backendRefs:
    - name: infra-backend-v3
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /path3
      queryParams:
      - name: animal
        value: shark
    - path:
        type: PathPrefix
        value: /path4
      headers:
      - name: version
        value: three
      queryParams:
      - name: animal
        value: kraken
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /path5
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - queryParams:
      - name: animal
        value: hydra
    backendRefs:
    - name: infra-backend-v2
      port: 8080
  - matches:
    - headers:
      - name: version
        value: four
    backendRefs:
    - name: infra-backend-v3
      port: 8080
)"),
       .conditions = RouteReady("query-param-matching"),
       .steps = {
           To("/?animal=whale", kV1), To("/?animal=dolphin", kV2),
           To("/?animal=dolphin&color=blue", kV3), To("/?ANIMAL=Whale", kV3),
           To("/?animal=whale&otherparam=irrelevant", kV1),
           To("/?animal=dolphin&color=yellow", kV2), Status(404, "/?color=blue"),
           Status(404, "/?animal=dog"), Status(404, "/?animal=whaledolphin"), Status(404, "/"),
           To("/path1?animal=whale", kV1), To("/?animal=whale", kV2, {{"version", "one"}}),
           To("/path2?animal=whale", kV3, {{"version", "two"}}), To("/path3?animal=shark", kV1),
           To("/path4?animal=kraken", kV1, {{"version", "three"}}), Status(404, "/?animal=shark"),
           Status(404, "/path4?animal=kraken"), To("/path5?animal=hydra", kV1),
           To("/?animal=hydra", kV3, {{"version", "four"}})}});

  cases.push_back(
      {.name = "HTTPRouteMethodMatching",
       .manifests = Route("method-matching", R"(  rules:
  - matches:
    - method: POST
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - method: GET
    backendRefs:
    - name: infra-backend-v2
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /path1
      method: GET
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - headers:
      - name: version
        value: one
      method: PUT
    backendRefs:
    - name: infra-backend-v2
      port: 8080
  - matches:
    - queryParams:
      - name: animal
        value: whale
      method: POST
    backendRefs:
    - name: infra-backend-v3
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /path2
      headers:
      - name: version
        value: two
      method: POST
    backendRefs:
    - name: infra-backend-v3
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /path3
      method: PATCH
    - path:
        type: PathPrefix
        value: /path4
      headers:
      - name: version
        value: three
      method: DELETE
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /path5
      method: PATCH
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /path5
      headers:
      - name: version
        value: four
    backendRefs:
    - name: infra-backend-v2
      port: 8080
)"),
       .conditions = RouteReady("method-matching"),
       .steps = {
           Method("POST", "/", kV1), Method("GET", "/", kV2), Method("HEAD", "/", ""),
           Method("GET", "/path1", kV1), Method("PUT", "/", kV2, {{"version", "one"}}),
           Method("POST", "/?animal=whale", kV3),
           Method("POST", "/path2", kV3, {{"version", "two"}}), Method("PATCH", "/path3", kV1),
           Method("DELETE", "/path4", kV1, {{"version", "three"}}), Method("PUT", "/", ""),
           Method("PATCH", "/path4", ""), Method("DELETE", "/path4", "", {{"version", "two"}}),
           Method("PATCH", "/path5", kV1), Method("PATCH", "/path5", kV1, {{"version", "four"}}),
           Method("GET", "/path5", kV2, {{"version", "four"}})}});

  {
    auto at = [](std::string host, std::string path, std::string backend) {
      Step step = backend.empty() ? Status(404, std::move(path), {}, std::move(host))
                                  : HostTo(std::move(host), std::move(path), std::move(backend));
      step.request.gateway = "httproute-hostname-intersection";
      return step;
    };
    ConformanceCase test{
        .name = "HTTPRouteHostnameIntersection",
        .manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: httproute-hostname-intersection
  namespace: gateway-conformance-infra
spec:
  gatewayClassName: atrium
  addresses:
  - type: IPAddress
    value: 127.0.0.14
  listeners:
  - name: listener-1
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
    hostname: very.specific.com
  - name: listener-2
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
    hostname: "*.wildcard.io"
  - name: listener-3
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
    hostname: "*.anotherwildcard.io"
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: specific-host-matches-listener-specific-host
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: httproute-hostname-intersection
    namespace: gateway-conformance-infra
  hostnames:
  - non.matching.com
  - "*.nonmatchingwildcard.io"
  - very.specific.com
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /s1
    backendRefs:
    - name: infra-backend-v1
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: specific-host-matches-listener-wildcard-host
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: httproute-hostname-intersection
    namespace: gateway-conformance-infra
  hostnames:
  - non.matching.com
  - wildcard.io
  - foo.wildcard.io
  - bar.wildcard.io
  - foo.bar.wildcard.io
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /s2
    backendRefs:
    - name: infra-backend-v2
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: wildcard-host-matches-listener-specific-host
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: httproute-hostname-intersection
    namespace: gateway-conformance-infra
  hostnames:
  - non.matching.com
  - "*.specific.com"
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /s3
    backendRefs:
    - name: infra-backend-v3
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: wildcard-host-matches-listener-wildcard-host
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: httproute-hostname-intersection
    namespace: gateway-conformance-infra
  hostnames:
  - "*.anotherwildcard.io"
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /s4
    backendRefs:
    - name: infra-backend-v1
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: no-intersecting-hosts
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: httproute-hostname-intersection
    namespace: gateway-conformance-infra
  hostnames:
  - specific.but.wrong.com
  - wildcard.io
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /s5
    backendRefs:
    - name: infra-backend-v2
      port: 8080
)",
        .conditions = {Condition("no-intersecting-hosts", "httproute-hostname-intersection",
                                 "Accepted", "False", "NoMatchingListenerHostname")},
        .steps = {at("very.specific.com", "/s1", kV1), at("non.matching.com", "/s1", ""),
                  at("foo.nonmatchingwildcard.io", "/s1", ""), at("foo.wildcard.io", "/s1", ""),
                  at("very.specific.com", "/non-matching-prefix", ""),
                  at("foo.wildcard.io", "/s2", kV2), at("bar.wildcard.io", "/s2", kV2),
                  at("foo.bar.wildcard.io", "/s2", kV2), at("non.matching.com", "/s2", ""),
                  at("wildcard.io", "/s2", ""), at("very.specific.com", "/s2", ""),
                  at("very.specific.com", "/s3", kV3), at("non.matching.com", "/s3", ""),
                  at("foo.anotherwildcard.io", "/s4", kV1),
                  at("foo.bar.anotherwildcard.io", "/s4", kV1), at("anotherwildcard.io", "/s4", ""),
                  at("specific.but.wrong.com", "/s5", ""), at("wildcard.io", "/s5", "")},
        .extra_gateways = {"httproute-hostname-intersection"}};
    for (const char* route : {"specific-host-matches-listener-specific-host",
                              "specific-host-matches-listener-wildcard-host",
                              "wildcard-host-matches-listener-specific-host",
                              "wildcard-host-matches-listener-wildcard-host"}) {
      test.conditions.push_back(
          Condition(route, "httproute-hostname-intersection", "Accepted", "True", "Accepted"));
    }
    cases.push_back(std::move(test));
  }

  {
    auto at = [](std::string host, std::string backend) {
      Step step = backend.empty() ? Status(404, "/", {}, std::move(host))
                                  : HostTo(std::move(host), "/", std::move(backend));
      step.request.gateway = "httproute-listener-hostname-matching";
      return step;
    };
    cases.push_back({.name = "HTTPRouteListenerHostnameMatching",
                     .manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: httproute-listener-hostname-matching
  namespace: gateway-conformance-infra
spec:
  gatewayClassName: atrium
  addresses:
  - type: IPAddress
    value: 127.0.0.15
  listeners:
  - name: listener-1
    hostname: bar.com
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
  - name: listener-2
    hostname: foo.bar.com
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
  - name: listener-3
    hostname: "*.bar.com"
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
  - name: listener-4
    hostname: "*.foo.com"
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: backend-v1
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: httproute-listener-hostname-matching
    namespace: gateway-conformance-infra
    sectionName: listener-1
  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: backend-v2
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: httproute-listener-hostname-matching
    namespace: gateway-conformance-infra
    sectionName: listener-2
  rules:
  - backendRefs:
    - name: infra-backend-v2
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: backend-v3
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: httproute-listener-hostname-matching
    namespace: gateway-conformance-infra
    sectionName: listener-3
  - name: httproute-listener-hostname-matching
    namespace: gateway-conformance-infra
    sectionName: listener-4
  rules:
  - backendRefs:
    - name: infra-backend-v3
      port: 8080
)",
                     .conditions = RouteReady("backend-v1", "httproute-listener-hostname-matching"),
                     .steps = {at("bar.com", kV1), at("foo.bar.com", kV2), at("baz.bar.com", kV3),
                               at("boo.bar.com", kV3), at("multiple.prefixes.bar.com", kV3),
                               at("multiple.prefixes.foo.com", kV3), at("foo.com", ""),
                               at("no.matching.host", "")},
                     .extra_gateways = {"httproute-listener-hostname-matching"}});
  }

  cases.push_back({.name = "HTTPRouteParentRefPort",
                   .manifests = Route("httproute-parentref-port", R"(    port: 80
  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
)"),
                   .conditions = RouteReady("httproute-parentref-port"),
                   .steps = {To("/", kV1)}});
  cases.push_back({.name = "HTTPRouteNamedRule",
                   .manifests = Route("named-rule", R"(  rules:
  - name: named-rule-one
    matches:
    - path:
        type: PathPrefix
        value: /named
    backendRefs:
    - name: infra-backend-v2
      port: 8080
  - name: named-rule-two
    backendRefs:
    - name: infra-backend-v1
      port: 8080
)"),
                   .conditions = RouteReady("named-rule"),
                   .steps = {To("/named", kV2), To("/", kV1)}});

  {
    auto at = [](std::string host, std::string path, std::string backend) {
      Step step = backend.empty() ? Status(404, std::move(path), {}, std::move(host))
                                  : HostTo(std::move(host), std::move(path), std::move(backend));
      step.request.gateway = "http-listener-isolation";
      return step;
    };
    auto attached = [](std::string listener, std::string backend) {
      return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n"
             "  name: attaches-to-" +
             listener +
             "\n  namespace: gateway-conformance-infra\nspec:\n  parentRefs:\n"
             "  - name: http-listener-isolation\n    sectionName: " +
             listener +
             "\n  rules:\n  - matches:\n    - path:\n        type: PathPrefix\n        value: /" +
             listener + "\n    backendRefs:\n    - name: " + backend + "\n      port: 8080\n";
    };
    cases.push_back(
        {.name = "GatewayHTTPListenerIsolation",
         .manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: http-listener-isolation
  namespace: gateway-conformance-infra
spec:
  gatewayClassName: atrium
  addresses:
  - type: IPAddress
    value: 127.0.0.17
  listeners:
  - name: empty-hostname
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
  - name: wildcard-example-com
    port: 80
    protocol: HTTP
    hostname: "*.example.com"
    allowedRoutes:
      namespaces:
        from: Same
  - name: wildcard-foo-example-com
    port: 80
    protocol: HTTP
    hostname: "*.foo.example.com"
    allowedRoutes:
      namespaces:
        from: Same
  - name: abc-foo-example-com
    port: 80
    protocol: HTTP
    hostname: abc.foo.example.com
    allowedRoutes:
      namespaces:
        from: Same
)" + attached("empty-hostname", kV1) +
                      attached("wildcard-example-com", kV2) +
                      attached("wildcard-foo-example-com", kV3) +
                      attached("abc-foo-example-com", kV1),
         .conditions = RouteReady("attaches-to-abc-foo-example-com", "http-listener-isolation"),
         .steps = {at("bar.com", "/empty-hostname", kV1),
                   at("bar.com", "/wildcard-example-com", ""),
                   at("bar.com", "/wildcard-foo-example-com", ""),
                   at("bar.com", "/abc-foo-example-com", ""),
                   at("bar.example.com", "/wildcard-example-com", kV2),
                   at("bar.example.com", "/empty-hostname", ""),
                   at("bar.example.com", "/wildcard-foo-example-com", ""),
                   at("bar.example.com", "/abc-foo-example-com", ""),
                   at("bar.foo.example.com", "/wildcard-foo-example-com", kV3),
                   at("bar.foo.example.com", "/empty-hostname", ""),
                   at("bar.foo.example.com", "/wildcard-example-com", ""),
                   at("bar.foo.example.com", "/abc-foo-example-com", ""),
                   at("abc.foo.example.com", "/abc-foo-example-com", kV1),
                   at("abc.foo.example.com", "/empty-hostname", ""),
                   at("abc.foo.example.com", "/wildcard-example-com", ""),
                   at("abc.foo.example.com", "/wildcard-foo-example-com", "")},
         .extra_gateways = {"http-listener-isolation"}});
  }

  // Filters.
  {
    Step set = To("/set", kV1, {{"Some-Other-Header", "val"}});
    set.expect.request_headers = {{"Some-Other-Header", "val"},
                                  {"X-Header-Set", "set-overwrites-values"}};
    Step set_over =
        To("/set", kV1, {{"Some-Other-Header", "val"}, {"X-Header-Set", "some-other-value"}});
    set_over.expect.request_headers = {{"X-Header-Set", "set-overwrites-values"}};
    Step add = To("/add", kV1, {{"Some-Other-Header", "val"}});
    add.expect.request_headers = {{"Some-Other-Header", "val"},
                                  {"X-Header-Add", "add-appends-values"}};
    Step add_over = To("/add", kV1, {{"X-Header-Add", "some-other-value"}});
    add_over.expect.request_headers = {{"X-Header-Add", "some-other-value,add-appends-values"}};
    Step remove = To("/remove", kV1, {{"X-Header-Remove", "val"}});
    remove.expect.absent_request_headers = {"X-Header-Remove"};
    Step multiple = To("/multiple", kV1,
                       {{"X-Header-Set-2", "set-val-2"},
                        {"X-Header-Add-2", "add-val-2"},
                        {"X-Header-Add-3", "add-val-3"},
                        {"X-Header-Remove-2", "remove-val-2"},
                        {"Another-Header", "another-header-val"}});
    multiple.expect.request_headers = {
        {"X-Header-Set-1", "header-set-1"},           {"X-Header-Set-2", "header-set-2"},
        {"X-Header-Add-1", "header-add-1"},           {"X-Header-Add-2", "add-val-2,header-add-2"},
        {"X-Header-Add-3", "add-val-3,header-add-3"}, {"Another-Header", "another-header-val"}};
    multiple.expect.absent_request_headers = {"X-Header-Remove-1", "X-Header-Remove-2"};
    Step lower = To("/case-insensitivity", kV1,
                    {{"x-header-set", "original-val-set"},
                     {"x-header-add", "original-val-add"},
                     {"x-header-remove", "original-val-remove"},
                     {"Another-Header", "another-header-val"}});
    lower.expect.request_headers = {{"X-Header-Set", "header-set"},
                                    {"X-Header-Add", "original-val-add,header-add"},
                                    {"Another-Header", "another-header-val"}};
    lower.expect.absent_request_headers = {"x-header-remove"};
    // The modifiers of each rule, indented for a rule-level filter list.
    const std::vector<std::pair<std::string, std::string>> modifiers = {
        {"/set",
         "        set:\n        - name: X-Header-Set\n          value: set-overwrites-values\n"},
        {"/add",
         "        add:\n        - name: X-Header-Add\n          value: add-appends-values\n"},
        {"/remove", "        remove:\n        - X-Header-Remove\n"},
        {"/multiple",
         "        set:\n        - name: X-Header-Set-1\n          value: header-set-1\n"
         "        - name: X-Header-Set-2\n          value: header-set-2\n"
         "        add:\n        - name: X-Header-Add-1\n          value: header-add-1\n"
         "        - name: X-Header-Add-2\n          value: header-add-2\n"
         "        - name: X-Header-Add-3\n          value: header-add-3\n"
         "        remove:\n        - X-Header-Remove-1\n        - X-Header-Remove-2\n"},
        {"/case-insensitivity",
         "        set:\n        - name: X-Header-Set\n          value: header-set\n"
         "        add:\n        - name: X-Header-Add\n          value: header-add\n"
         "        remove:\n        - X-Header-Remove\n"}};
    auto indent = [](const std::string& text) {
      std::string out;
      for (size_t line = 0; line < text.size();) {
        size_t next = text.find('\n', line) + 1;
        out += "  " + text.substr(line, next - line);
        line = next;
      }
      return out;
    };
    std::string rules = "  rules:\n";
    std::string backend_rules = "  rules:\n";
    for (const auto& [path, modifier] : modifiers) {
      const std::string match =
          "  - matches:\n    - path:\n        type: PathPrefix\n        value: " + path + "\n";
      const std::string filter =
          "    - type: RequestHeaderModifier\n      requestHeaderModifier:\n" + modifier;
      rules += match + "    filters:\n" + filter +
               "    backendRefs:\n    - name: infra-backend-v1\n      port: 8080\n";
      backend_rules += match +
                       "    backendRefs:\n    - name: infra-backend-v1\n      port: 8080\n"
                       "      filters:\n" +
                       indent(filter);
    }
    const std::vector<Step> steps = {set, set_over, add, add_over, remove, multiple, lower};
    cases.push_back({.name = "HTTPRouteRequestHeaderModifier",
                     .manifests = Route("request-header-modifier", rules),
                     .conditions = RouteReady("request-header-modifier"),
                     .steps = steps});

    // The same filters on the backendRef instead of the rule.
    cases.push_back({.name = "HTTPRouteBackendRequestHeaderModifier",
                     .manifests = Route("backend-request-header-modifier", backend_rules),
                     .conditions = RouteReady("backend-request-header-modifier"),
                     .steps = steps});
  }

  {
    auto echo_sets = [](std::string path, std::string set) {
      return To(std::move(path), kV1, {{"X-Echo-Set-Header", std::move(set)}});
    };
    Step set = echo_sets("/set", "X-Header-Set:some-other-value");
    set.expect.response_headers = {{"X-Header-Set", "set-overwrites-values"}};
    Step add = echo_sets("/add", "X-Header-Add:some-other-value");
    add.expect.response_headers = {{"X-Header-Add", "some-other-value,add-appends-values"}};
    Step add_new = To("/add", kV1);
    add_new.expect.response_headers = {{"X-Header-Add", "add-appends-values"}};
    Step remove = echo_sets("/remove", "X-Header-Remove:val");
    remove.expect.absent_response_headers = {"X-Header-Remove"};
    Step multiple = echo_sets("/multiple",
                              "X-Header-Set-2:set-val-2,X-Header-Add-2:add-val-2,"
                              "X-Header-Remove-2:remove-val-2,Another-Header:another-header-val");
    multiple.expect.response_headers = {{"X-Header-Set-1", "header-set-1"},
                                        {"X-Header-Set-2", "header-set-2"},
                                        {"X-Header-Add-1", "header-add-1"},
                                        {"X-Header-Add-2", "add-val-2,header-add-2"},
                                        {"Another-Header", "another-header-val"}};
    multiple.expect.absent_response_headers = {"X-Header-Remove-1", "X-Header-Remove-2"};
    Step lower = echo_sets("/case-insensitivity",
                           "x-header-set:original-val-set,x-header-add:original-val-add,"
                           "x-header-remove:original-val-remove");
    lower.expect.response_headers = {{"X-Header-Set", "header-set"},
                                     {"X-Header-Add", "original-val-add,header-add"}};
    lower.expect.absent_response_headers = {"x-header-remove"};
    cases.push_back({.name = "HTTPRouteResponseHeaderModifier",
                     .manifests = Route("response-header-modifier", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /set
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set:
        - name: X-Header-Set
          value: set-overwrites-values
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /add
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        add:
        - name: X-Header-Add
          value: add-appends-values
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /remove
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        remove:
        - X-Header-Remove
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /multiple
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set:
        - name: X-Header-Set-1
          value: header-set-1
        - name: X-Header-Set-2
          value: header-set-2
        add:
        - name: X-Header-Add-1
          value: header-add-1
        - name: X-Header-Add-2
          value: header-add-2
        remove:
        - X-Header-Remove-1
        - X-Header-Remove-2
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /case-insensitivity
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set:
        - name: X-Header-Set
          value: header-set
        add:
        - name: X-Header-Add
          value: header-add
        remove:
        - X-Header-Remove
    backendRefs:
    - name: infra-backend-v1
      port: 8080
)"),
                     .conditions = RouteReady("response-header-modifier"),
                     .steps = {set, add, add_new, remove, multiple, lower}});
  }

  // Redirects: the request Host is the Gateway address (as the conformance
  // suite sends it); ports default from the listener port 80, never from
  // the port the process binds.
  const std::string gw = GatewayAddress("same-namespace");
  auto redirect_rule = [](std::string path, std::string redirect) {
    return "  - matches:\n    - path:\n        type: PathPrefix\n        value: " + path +
           "\n    filters:\n    - type: RequestRedirect\n      requestRedirect:\n" + redirect;
  };
  cases.push_back(
      {.name = "HTTPRouteRedirectHostAndStatus",
       .manifests = Route(
           "redirect-host-and-status",
           "  rules:\n" + redirect_rule("/hostname-redirect", "        hostname: example.org\n") +
               redirect_rule("/host-and-status",
                             "        hostname: example.org\n"
                             "        statusCode: 301\n")),
       .conditions = RouteReady("redirect-host-and-status"),
       .steps = {Redirect("/hostname-redirect", 302, "http://example.org/hostname-redirect"),
                 Redirect("/host-and-status", 301, "http://example.org/host-and-status")}});
  cases.push_back(
      {.name = "HTTPRouteRedirectPath",
       .manifests = Route("redirect-path",
                          "  rules:\n" +
                              redirect_rule("/original-prefix",
                                            "        path:\n          type: ReplacePrefixMatch\n"
                                            "          replacePrefixMatch: /replacement-prefix\n") +
                              redirect_rule("/full",
                                            "        path:\n          type: ReplaceFullPath\n"
                                            "          replaceFullPath: /full-path-replacement\n") +
                              redirect_rule("/path-and-host",
                                            "        hostname: example.org\n        path:\n"
                                            "          type: ReplacePrefixMatch\n"
                                            "          replacePrefixMatch: /replacement-prefix\n") +
                              redirect_rule("/path-and-status",
                                            "        path:\n          type: ReplacePrefixMatch\n"
                                            "          replacePrefixMatch: /replacement-prefix\n"
                                            "        statusCode: 301\n") +
                              redirect_rule("/full-path-and-host",
                                            "        hostname: example.org\n        path:\n"
                                            "          type: ReplaceFullPath\n"
                                            "          replaceFullPath: /replacement-full\n") +
                              redirect_rule("/full-path-and-status",
                                            "        path:\n          type: ReplaceFullPath\n"
                                            "          replaceFullPath: /replacement-full\n"
                                            "        statusCode: 301\n")),
       .conditions = RouteReady("redirect-path"),
       .steps = {
           Redirect("/original-prefix/lemon", 302, "http://" + gw + "/replacement-prefix/lemon"),
           [&] {
             Step step = Redirect("/original-prefix/lemon", 302,
                                  "http://" + gw + "/replacement-prefix/lemon");
             step.request.host = gw + ":80";
             return step;
           }(),
           Redirect("/full/path/original", 302, "http://" + gw + "/full-path-replacement"),
           Redirect("/path-and-host", 302, "http://example.org/replacement-prefix"),
           Redirect("/path-and-status", 301, "http://" + gw + "/replacement-prefix"),
           Redirect("/full-path-and-host", 302, "http://example.org/replacement-full"),
           Redirect("/full-path-and-status", 301, "http://" + gw + "/replacement-full")}});
  cases.push_back(
      {.name = "HTTPRouteRedirectPort",
       .manifests = Route(
           "redirect-port",
           "  rules:\n" + redirect_rule("/port", "        port: 8083\n") +
               redirect_rule("/port-and-host",
                             "        hostname: example.org\n        port: 8083\n") +
               redirect_rule("/port-and-status", "        port: 8083\n        statusCode: 301\n") +
               redirect_rule("/port-and-host-and-status",
                             "        port: 8083\n        hostname: example.org\n"
                             "        statusCode: 301\n")),
       .conditions = RouteReady("redirect-port"),
       .steps = {Redirect("/port", 302, "http://" + gw + ":8083/port"),
                 Redirect("/port-and-host", 302, "http://example.org:8083/port-and-host"),
                 Redirect("/port-and-status", 301, "http://" + gw + ":8083/port-and-status"),
                 Redirect("/port-and-host-and-status", 301,
                          "http://example.org:8083/port-and-host-and-status")}});
  cases.push_back(
      {.name = "HTTPRouteRedirectScheme",
       .manifests =
           Route("redirect-scheme",
                 "  rules:\n" + redirect_rule("/scheme", "        scheme: https\n") +
                     redirect_rule("/scheme-and-host",
                                   "        hostname: example.org\n        scheme: https\n") +
                     redirect_rule("/scheme-and-status",
                                   "        scheme: https\n        statusCode: 301\n") +
                     redirect_rule("/scheme-and-host-and-status",
                                   "        scheme: https\n        statusCode: 302\n"
                                   "        hostname: example.org\n")),
       .conditions = RouteReady("redirect-scheme"),
       .steps = {Redirect("/scheme", 302, "https://" + gw + "/scheme"),
                 // A Host with the listener port (as Go clients send "IP:80"):
                 // the redirect derives its port from the scheme, never from
                 // the port Atrium binds.
                 [&] {
                   Step step = Redirect("/scheme", 302, "https://" + gw + "/scheme");
                   step.request.host = gw + ":80";
                   return step;
                 }(),
                 Redirect("/scheme-and-host", 302, "https://example.org/scheme-and-host"),
                 Redirect("/scheme-and-status", 301, "https://" + gw + "/scheme-and-status"),
                 Redirect("/scheme-and-host-and-status", 302,
                          "https://example.org/scheme-and-host-and-status")}});
  // HTTPRouteRedirectPortAndScheme: the port follows the scheme's default.
  cases.push_back(
      {.name = "HTTPRouteRedirectPortAndScheme",
       .manifests = Route(
           "redirect-port-and-scheme",
           "  rules:\n" + redirect_rule("/scheme-nil-and-port-nil", "        statusCode: 301\n") +
               redirect_rule("/scheme-nil-and-port-80", "        port: 80\n") +
               redirect_rule("/scheme-nil-and-port-8080", "        port: 8080\n") +
               redirect_rule("/scheme-https-and-port-nil", "        scheme: https\n") +
               redirect_rule("/scheme-https-and-port-443",
                             "        scheme: https\n        port: 443\n") +
               redirect_rule("/scheme-https-and-port-8443",
                             "        scheme: https\n        port: 8443\n")),
       .conditions = RouteReady("redirect-port-and-scheme"),
       .steps = {
           Redirect("/scheme-nil-and-port-nil", 301, "http://" + gw + "/scheme-nil-and-port-nil"),
           Redirect("/scheme-nil-and-port-80", 302, "http://" + gw + "/scheme-nil-and-port-80"),
           Redirect("/scheme-nil-and-port-8080", 302,
                    "http://" + gw + ":8080/scheme-nil-and-port-8080"),
           Redirect("/scheme-https-and-port-nil", 302,
                    "https://" + gw + "/scheme-https-and-port-nil"),
           Redirect("/scheme-https-and-port-443", 302,
                    "https://" + gw + "/scheme-https-and-port-443"),
           Redirect("/scheme-https-and-port-8443", 302,
                    "https://" + gw + ":8443/scheme-https-and-port-8443")}});
  for (int code : {303, 307, 308}) {
    const std::string c = std::to_string(code);
    cases.push_back(
        {.name = "HTTPRoute" + c + "RedirectScheme",
         .manifests = Route("redirect-" + c, "  rules:\n" + redirect_rule("/scheme-redirect-" + c,
                                                                          "        scheme: https\n"
                                                                          "        statusCode: " +
                                                                              c + "\n")),
         .conditions = RouteReady("redirect-" + c),
         .steps = {
             Redirect("/scheme-redirect-" + c, code, "https://" + gw + "/scheme-redirect-" + c)}});
  }

  {
    Step one = To("/one", kV1);
    one.expect.host = "one.example.org";
    Step two = To("/rewrite-host-and-modify-headers", kV1,
                  {{"X-Header-Remove", "remove-val"}, {"X-Header-Add-Append", "append-val-1"}});
    two.expect.host = "example.org";
    two.expect.request_headers = {{"X-Header-Add", "header-val-1"},
                                  {"X-Header-Add-Append", "append-val-1,header-val-2"},
                                  {"X-Header-Set", "set-overwrites-values"}};
    two.expect.absent_request_headers = {"X-Header-Remove"};
    cases.push_back({.name = "HTTPRouteRewriteHost",
                     .manifests = Route("rewrite-host", R"(  hostnames:
  - rewrite.example
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /one
    filters:
    - type: URLRewrite
      urlRewrite:
        hostname: one.example.org
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - filters:
    - type: URLRewrite
      urlRewrite:
        hostname: example.org
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set:
        - name: X-Header-Set
          value: set-overwrites-values
        add:
        - name: X-Header-Add
          value: header-val-1
        - name: X-Header-Add-Append
          value: header-val-2
        remove:
        - X-Header-Remove
    backendRefs:
    - name: infra-backend-v1
      port: 8080
)"),
                     .conditions = RouteReady("rewrite-host"),
                     .steps = {one, two}});
    cases.back().steps[0].request.host = "rewrite.example";
    cases.back().steps[1].request.host = "rewrite.example";
  }

  {
    auto rewritten = [](std::string path, std::string seen) {
      Step step = To(std::move(path), kV1);
      step.expect.path = std::move(seen);
      return step;
    };
    Step headers = To("/full/rewrite-path-and-modify-headers/test", kV1,
                      {{"X-Header-Remove", "remove-val"},
                       {"X-Header-Add-Append", "append-val-1"},
                       {"X-Header-Set", "set-val"}});
    headers.expect.path = "/test";
    headers.expect.request_headers = {{"X-Header-Add", "header-val-1"},
                                      {"X-Header-Add-Append", "append-val-1,header-val-2"},
                                      {"X-Header-Set", "set-overwrites-values"}};
    headers.expect.absent_request_headers = {"X-Header-Remove"};
    Step prefix_headers = headers;
    prefix_headers.request.path = "/prefix/rewrite-path-and-modify-headers/one";
    prefix_headers.expect.path = "/prefix/one";
    const std::string modify = R"(    - type: RequestHeaderModifier
      requestHeaderModifier:
        set:
        - name: X-Header-Set
          value: set-overwrites-values
        add:
        - name: X-Header-Add
          value: header-val-1
        - name: X-Header-Add-Append
          value: header-val-2
        remove:
        - X-Header-Remove
)";
    auto rule = [](std::string prefix, std::string rewrite, std::string more) {
      return "  - matches:\n    - path:\n        type: PathPrefix\n        value: " + prefix +
             "\n    filters:\n    - type: URLRewrite\n      urlRewrite:\n        path:\n" +
             rewrite + more + "    backendRefs:\n    - name: infra-backend-v1\n      port: 8080\n";
    };
    const std::string prefix_one =
        "          type: ReplacePrefixMatch\n          replacePrefixMatch: /one\n";
    cases.push_back(
        {.name = "HTTPRouteRewritePath",
         .manifests = Route(
             "rewrite-path",
             "  rules:\n" + rule("/prefix/one", prefix_one, "") +
                 rule("/strip-prefix",
                      "          type: ReplacePrefixMatch\n          replacePrefixMatch: /\n", "") +
                 rule("/full/one",
                      "          type: ReplaceFullPath\n          replaceFullPath: /one\n", "") +
                 rule("/full/rewrite-path-and-modify-headers",
                      "          type: ReplaceFullPath\n          replaceFullPath: /test\n",
                      modify) +
                 rule("/prefix/rewrite-path-and-modify-headers",
                      "          type: ReplacePrefixMatch\n          replacePrefixMatch: /prefix\n",
                      modify)),
         .conditions = RouteReady("rewrite-path"),
         .steps = {rewritten("/prefix/one/two", "/one/two"), rewritten("/prefix/one", "/one"),
                   rewritten("/prefix/one/", "/one/"), rewritten("/strip-prefix/three", "/three"),
                   rewritten("/strip-prefix", "/"), rewritten("/full/one/two", "/one"),
                   rewritten("/prefix/one/two?query=1", "/one/two?query=1"), headers,
                   prefix_headers}});
  }

  {
    Step mirror = To("/mirror?case=single", kV1);
    mirror.expect.mirrored_to = {kV2};
    cases.push_back({.name = "HTTPRouteRequestMirror",
                     .manifests = Route("request-mirror", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /mirror
    filters:
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: infra-backend-v2
          namespace: gateway-conformance-infra
          port: 8080
    backendRefs:
    - name: infra-backend-v1
      port: 8080
)"),
                     .conditions = RouteReady("request-mirror"),
                     .steps = {mirror}});
    Step multi = To("/multi-mirror?case=multiple", kV1);
    multi.expect.mirrored_to = {kV2, kV3};
    Step with_headers = To("/multi-mirror-and-modify-request-headers?case=multiple", kV1,
                           {{"X-Header-Remove", "remove-val"}});
    with_headers.expect.mirrored_to = {kV2, kV3};
    with_headers.expect.request_headers = {{"X-Header-Set", "set-overwrites-values"}};
    with_headers.expect.absent_request_headers = {"X-Header-Remove"};
    cases.push_back({.name = "HTTPRouteRequestMultipleMirrors",
                     .manifests = Route("request-multiple-mirrors", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /multi-mirror-and-modify-request-headers
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set:
        - name: X-Header-Set
          value: set-overwrites-values
        remove:
        - X-Header-Remove
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: infra-backend-v2
          port: 8080
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: infra-backend-v3
          port: 8080
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /multi-mirror
    filters:
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: infra-backend-v2
          port: 8080
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: infra-backend-v3
          port: 8080
    backendRefs:
    - name: infra-backend-v1
      port: 8080
)"),
                     .conditions = RouteReady("request-multiple-mirrors"),
                     .steps = {multi, with_headers}});
  }

  // Backends and their references.
  cases.push_back({.name = "HTTPRouteAllBackendsWeightZero",
                   .manifests = Route("all-backends-weight-zero", R"(  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
      weight: 0
    - name: infra-backend-v2
      port: 8080
      weight: 0
)"),
                   .conditions = RouteReady("all-backends-weight-zero"),
                   .steps = {Status(500, "/")}});
  cases.push_back({.name = "HTTPRouteInvalidNonExistentBackendRef",
                   .manifests = Route("invalid-nonexistent-backend-ref", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /
    backendRefs:
    - name: nonexistent
      port: 8080
)"),
                   .conditions = {Condition("invalid-nonexistent-backend-ref", "same-namespace",
                                            "Accepted", "True", "Accepted"),
                                  Condition("invalid-nonexistent-backend-ref", "same-namespace",
                                            "ResolvedRefs", "False", "BackendNotFound")},
                   .steps = {Status(500, "/")}});
  cases.push_back({.name = "HTTPRouteInvalidBackendRefUnknownKind",
                   .manifests = Route("invalid-backend-ref-unknown-kind", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /
    backendRefs:
    - group: unknownkind.example.com
      kind: NonExistent
      name: infra-backend-v1
      port: 8080
)"),
                   .conditions = {Condition("invalid-backend-ref-unknown-kind", "same-namespace",
                                            "Accepted", "True", "Accepted"),
                                  Condition("invalid-backend-ref-unknown-kind", "same-namespace",
                                            "ResolvedRefs", "False", "InvalidKind")},
                   .steps = {Status(500, "/")}});
  cases.push_back({.name = "HTTPRouteInvalidCrossNamespaceBackendRef",
                   .manifests = Route("invalid-cross-namespace-backend-ref", R"(  rules:
  - backendRefs:
    - name: web-backend
      namespace: gateway-conformance-web-backend
      port: 8080
)"),
                   .conditions = {Condition("invalid-cross-namespace-backend-ref", "same-namespace",
                                            "Accepted", "True", "Accepted"),
                                  Condition("invalid-cross-namespace-backend-ref", "same-namespace",
                                            "ResolvedRefs", "False", "RefNotPermitted")},
                   .steps = {Status(500, "/")}});
  cases.push_back({.name = "HTTPRouteInvalidCrossNamespaceParentRef",
                   .manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: invalid-cross-namespace-parent-ref
  namespace: gateway-conformance-web-backend
spec:
  parentRefs:
  - name: same-namespace
    namespace: gateway-conformance-infra
  rules:
  - backendRefs:
    - name: web-backend
      port: 8080
)",
                   .conditions = {Condition("invalid-cross-namespace-parent-ref", "same-namespace",
                                            "Accepted", "False", "NotAllowedByListeners", kWebNs)},
                   .steps = {Status(404, "/")}});
  cases.push_back({.name = "HTTPRouteInvalidParentRefNotMatchingSectionName",
                   .manifests = Route("invalid-section-name", R"(    sectionName: unknownSectionName
  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
)"),
                   .conditions = {Condition("invalid-section-name", "same-namespace", "Accepted",
                                            "False", "NoMatchingParent")},
                   .steps = {Status(404, "/")}});
  {
    Step granted = To("/", "app-backend-v1");
    granted.expect.ns = kAppNs;
    cases.push_back({.name = "HTTPRouteReferenceGrant",
                     .manifests = Route("reference-grant", R"(  rules:
  - backendRefs:
    - name: app-backend-v1
      namespace: gateway-conformance-app-backend
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: reference-grant
  namespace: gateway-conformance-app-backend
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
    namespace: gateway-conformance-infra
  to:
  - group: ""
    kind: Service
    name: app-backend-v1
)"),
                     .conditions = RouteReady("reference-grant"),
                     .steps = {granted}});
  }
  cases.push_back({.name = "HTTPRoutePartiallyInvalidViaInvalidReferenceGrant",
                   .manifests = Route("invalid-reference-grant", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /v2
    backendRefs:
    - name: app-backend-v2
      namespace: gateway-conformance-app-backend
      port: 8080
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: reference-grant-wrong-service
  namespace: gateway-conformance-app-backend
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
    namespace: gateway-conformance-infra
  to:
  - group: ""
    kind: Service
    name: not-app-backend-v2
)"),
                   .conditions = {Condition("invalid-reference-grant", "same-namespace", "Accepted",
                                            "True", "Accepted"),
                                  Condition("invalid-reference-grant", "same-namespace",
                                            "ResolvedRefs", "False", "RefNotPermitted")},
                   .steps = {To("/", kV1), Status(500, "/v2")}});

  {
    ConformanceCase weight{.name = "HTTPRouteWeight",
                           .manifests = Route("weighted-backends", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /
    backendRefs:
    - name: infra-backend-v1
      port: 8080
      weight: 70
    - name: infra-backend-v2
      port: 8080
      weight: 30
    - name: infra-backend-v3
      port: 8080
      weight: 0
)"),
                           .conditions = RouteReady("weighted-backends")};
    cases.push_back(std::move(weight));
  }

  cases.push_back({.name = "HTTPRouteDisallowedKind",
                   .manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: httproute-disallowed-kind
  namespace: gateway-conformance-infra
spec:
  gatewayClassName: atrium
  addresses:
  - type: IPAddress
    value: 127.0.0.16
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
      kinds:
      - group: gateway.networking.k8s.io
        kind: GRPCRoute
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: disallowed-kind
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: httproute-disallowed-kind
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /disallowed-kind
    backendRefs:
    - name: infra-backend-v1
      port: 8080
)",
                   .conditions = {Condition("disallowed-kind", "httproute-disallowed-kind",
                                            "Accepted", "False", "NotAllowedByListeners")},
                   .steps = {[] {
                     Step step = Status(404, "/disallowed-kind");
                     step.request.gateway = "httproute-disallowed-kind";
                     return step;
                   }()},
                   .extra_gateways = {"httproute-disallowed-kind"}});

  cases.push_back({.name = "HTTPRouteServiceTypes",
                   .manifests = R"(apiVersion: v1
kind: Service
metadata:
  name: infra-backend-v1-headless
  namespace: gateway-conformance-infra
spec:
  clusterIP: None
  selector:
    app: infra-backend-v1
  ports:
  - protocol: TCP
    port: 8080
    targetPort: 3000
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: infra-backend-v1-headless-xyz
  namespace: gateway-conformance-infra
  labels:
    kubernetes.io/service-name: infra-backend-v1-headless
addressType: IPv4
ports:
- port: {PORT:gateway-conformance-infra/infra-backend-v1}
  protocol: TCP
endpoints:
- addresses:
  - 127.0.0.1
  conditions:
    ready: true
---
apiVersion: v1
kind: Service
metadata:
  name: manual-endpointslices
  namespace: gateway-conformance-infra
spec:
  ports:
  - protocol: TCP
    port: 8080
    targetPort: 3000
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: manual-endpointslices-ip4
  namespace: gateway-conformance-infra
  labels:
    kubernetes.io/service-name: manual-endpointslices
addressType: IPv4
ports:
- port: {PORT:gateway-conformance-infra/infra-backend-v1}
  protocol: TCP
endpoints:
- addresses:
  - 127.0.0.1
  conditions:
    ready: true
---
)" + Route("service-types", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /headless
    backendRefs:
    - name: infra-backend-v1-headless
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /manual
    backendRefs:
    - name: manual-endpointslices
      port: 8080
)"),
                   .conditions = RouteReady("service-types"),
                   .steps = {To("/headless", kV1), To("/manual", kV1)}});

  {
    Step too_slow = Status(504, "/request-timeout?delay=1s");
    Step fast = To("/request-timeout", kV1);
    Step disabled = To("/disable-request-timeout?delay=1s", kV1);
    cases.push_back({.name = "HTTPRouteRequestTimeout",
                     .manifests = Route("request-timeout", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /request-timeout
    backendRefs:
    - name: infra-backend-v1
      port: 8080
    timeouts:
      request: 500ms
  - matches:
    - path:
        type: PathPrefix
        value: /disable-request-timeout
    backendRefs:
    - name: infra-backend-v1
      port: 8080
    timeouts:
      request: "0s"
)"),
                     .conditions = RouteReady("request-timeout"),
                     .steps = {too_slow, fast, disabled}});
    cases.push_back(
        {.name = "HTTPRouteBackendRequestTimeout",
         .manifests = Route("backend-request-timeout", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /backend-timeout
    backendRefs:
    - name: infra-backend-v1
      port: 8080
    timeouts:
      request: 2s
      backendRequest: 500ms
)"),
         .conditions = RouteReady("backend-request-timeout"),
         .steps = {Status(504, "/backend-timeout?delay=1s"), To("/backend-timeout", kV1)}});
  }

  {
    // CORS (standard channel since v1.5): a preflight answered by the
    // proxy, and the response headers of a simple cross-origin request.
    Step preflight = Status(200, "/cors",
                            {{"Origin", "https://www.foo.com"},
                             {"Access-Control-Request-Method", "GET"},
                             {"Access-Control-Request-Headers", "x-header-1, x-header-2"}});
    preflight.request.method = "OPTIONS";
    preflight.expect.response_headers = {
        {"Access-Control-Allow-Origin", "https://www.foo.com"},
        {"Access-Control-Allow-Methods", "GET, OPTIONS"},
        {"Access-Control-Allow-Headers", "x-header-1, x-header-2"},
        {"Access-Control-Expose-Headers", "x-header-3, x-header-4"},
        {"Access-Control-Allow-Credentials", "true"},
        {"Access-Control-Max-Age", "3600"}};
    Step wildcard = preflight;
    wildcard.request.headers[0].second = "https://www.bar.com";
    wildcard.expect.response_headers[0].second = "https://www.bar.com";
    Step labels = preflight;
    labels.request.headers[0].second = "https://xpto.www.bar.com";
    labels.expect.response_headers[0].second = "https://xpto.www.bar.com";
    Step denied = preflight;
    denied.request.headers[0].second = "https://foobar.com";
    denied.expect.response_headers = {};
    denied.expect.absent_response_headers = {"Access-Control-Allow-Origin"};
    Step simple = To("/cors", kV1, {{"Origin", "https://www.foo.com"}});
    simple.expect.response_headers = {{"Access-Control-Allow-Origin", "https://www.foo.com"},
                                      {"Access-Control-Allow-Credentials", "true"}};
    Step simple_wildcard = To("/cors", kV1, {{"Origin", "https://www.bar.com"}});
    simple_wildcard.expect.response_headers = {
        {"Access-Control-Allow-Origin", "https://www.bar.com"}};
    Step simple_denied = To("/cors", kV1, {{"Origin", "https://foobar.com"}});
    simple_denied.expect.absent_response_headers = {"Access-Control-Allow-Origin"};
    Step no_origin = To("/cors", kV1);
    no_origin.expect.absent_response_headers = {"Access-Control-Allow-Origin"};
    Step any_preflight =
        Status(200, "/cors-wildcard-origin",
               {{"Origin", "https://foobar.com:12345"}, {"Access-Control-Request-Method", "PUT"}});
    any_preflight.request.method = "OPTIONS";
    any_preflight.expect.response_headers = {{"Access-Control-Allow-Origin", "*"},
                                             {"Access-Control-Allow-Methods", "PUT"}};
    any_preflight.expect.absent_response_headers = {"Access-Control-Allow-Credentials"};
    Step any_simple =
        Method("PUT", "/cors-wildcard-origin", kV1, {{"Origin", "https://foobar.com"}});
    any_simple.expect.response_headers = {{"Access-Control-Allow-Origin", "*"}};
    cases.push_back({.name = "HTTPRouteCORS",
                     .manifests = Route("cors", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /cors
    filters:
    - type: CORS
      cors:
        allowOrigins:
        - https://www.foo.com
        - https://*.bar.com
        allowMethods:
        - GET
        - OPTIONS
        allowHeaders:
        - x-header-1
        - x-header-2
        exposeHeaders:
        - x-header-3
        - x-header-4
        allowCredentials: true
        maxAge: 3600
    backendRefs:
    - name: infra-backend-v1
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /cors-wildcard-origin
    filters:
    - type: CORS
      cors:
        allowOrigins:
        - "*"
        allowMethods:
        - "*"
    backendRefs:
    - name: infra-backend-v1
      port: 8080
)"),
                     .conditions = RouteReady("cors"),
                     .steps = {preflight, wildcard, labels, denied, simple, simple_wildcard,
                               simple_denied, no_origin, any_preflight, any_simple}});
  }

  return cases;
}

}  // namespace atrium::conformance
