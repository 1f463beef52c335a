// HTTPRoute semantics: attachment reasons, precedence across rules and
// routes, filters, backends, redirect ports, timeouts and retries.

#include <gtest/gtest.h>

#include "controller/translate/translate.h"
#include "tests/controller/translate/test_support.h"

namespace atrium::translate {
namespace {

using testing::FindCondition;
using testing::FindStatus;
using testing::LoadYaml;
using testing::Request;
using testing::Served;
using testing::ServedName;

constexpr const char* kBase = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: atrium}
spec: {controllerName: atrium.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: v1, namespace: infra}
spec: {ports: [{name: http, port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: v2, namespace: infra}
spec: {ports: [{name: http, port: 8080, appProtocol: kubernetes.io/ws}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: v1-1, namespace: infra, labels: {kubernetes.io/service-name: v1}}
addressType: IPv4
ports: [{name: http, port: 3000}]
endpoints: [{addresses: [10.1.0.1]}]
---
)";

Result TranslateYaml(const std::string& yaml, Options options = {}) {
  if (!options.regex_error) options.regex_error = testing::Re2Error;
  return Translate(LoadYaml(std::string(kBase) + yaml, &options), options);
}

std::string ConditionOf(const Result& result, const std::string& route, const std::string& type,
                        size_t parent = 0, const std::string& ns = "infra") {
  const nlohmann::json* status = FindStatus(result, "HTTPRoute", ns, route);
  if (status == nullptr || parent >= (*status)["parents"].size()) return "no status";
  const nlohmann::json* condition = FindCondition((*status)["parents"][parent]["conditions"], type);
  if (condition == nullptr) return "";
  return (*condition)["status"].get<std::string>() + "/" +
         (*condition)["reason"].get<std::string>();
}

// ServedBackend names the first backend's Service of the serving route.
std::string ServedBackend(const Result& result, Request request) {
  const ir::Route* route = Served(result.config, request);
  if (route == nullptr) return "404";
  if (route->direct_status != 0) return std::to_string(route->direct_status);
  if (route->backends.empty()) return "no backend";
  std::string name = route->backends[0].name;
  return name.substr(name.find('/') + 1, name.find(':') - name.find('/') - 1);
}

Request Get(const std::string& host, const std::string& path,
            std::map<std::string, std::string> headers = {}) {
  Request request;
  request.host = host;
  request.path = path;
  request.headers = std::move(headers);
  return request;
}

// The manifests and expectations of the HTTPRouteMatchingAcrossRoutes
// conformance test.
TEST(HttpRouteTest, MatchingAcrossRoutes) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: matching-part1, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  hostnames: [example.com, example.net]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{headers: [{name: version, value: one}]}]
    backendRefs: [{name: v2, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: matching-part2, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  hostnames: [example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v2}}, {headers: [{name: version, value: two}]}]
    backendRefs: [{name: v2, port: 8080}]
)");
  EXPECT_EQ(ServedBackend(result, Get("example.com", "/")), "v1");
  EXPECT_EQ(ServedBackend(result, Get("example.net", "/")), "v1");
  EXPECT_EQ(ServedBackend(result, Get("example.com", "/example")), "v1");
  EXPECT_EQ(ServedBackend(result, Get("example.com", "/v2")), "v2");
  EXPECT_EQ(ServedBackend(result, Get("example.com", "/v2/example")), "v2");
  EXPECT_EQ(ServedBackend(result, Get("example.com", "/", {{"version", "one"}})), "v2");
  EXPECT_EQ(ServedBackend(result, Get("example.com", "/", {{"version", "two"}})), "v2");
  EXPECT_EQ(ServedBackend(result, Get("example.net", "/v2")), "v1");
  EXPECT_EQ(ServedBackend(result, Get("example.net", "/", {{"version", "two"}})), "v1");
  EXPECT_EQ(ServedBackend(result, Get("example.org", "/")), "404");
}

TEST(HttpRouteTest, PrecedenceAcrossRulesAndRoutes) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: young, namespace: infra, creationTimestamp: "2024-05-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /same}}]
    backendRefs: [{name: young, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /a}, method: POST}]
    backendRefs: [{name: post, port: 80}]
  - matches:
    - path: {type: PathPrefix, value: /a}
      headers: [{name: x, value: "1"}, {name: y, value: "2"}]
    backendRefs: [{name: two-headers, port: 80}]
  - matches:
    - path: {type: PathPrefix, value: /a}
      headers: [{name: x, value: "1"}]
      queryParams: [{name: q, value: "1"}]
    backendRefs: [{name: header-and-query, port: 80}]
  - matches: [{path: {type: RegularExpression, value: "/a/[0-9]+"}}]
    backendRefs: [{name: regex, port: 80}]
  - matches: [{path: {type: Exact, value: /a/1}}]
    backendRefs: [{name: exact, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: old, namespace: infra, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /same}}]
    backendRefs: [{name: old, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /same}}]
    backendRefs: [{name: old-second-rule, port: 80}]
)");
  // Same match in two routes: the older route; within a route: the first rule.
  EXPECT_EQ(ServedBackend(result, Get("h", "/same")), "500");  // "old" has no Service: 500
  const ir::Route* same = Served(result.config, Get("h", "/same"));
  ASSERT_NE(same, nullptr);
  EXPECT_EQ(same->name, "httproute/infra/old/rule/0");
  Request post = Get("h", "/a/x", {{"x", "1"}, {"y", "2"}});
  post.method = "POST";
  post.query = "q=1";
  EXPECT_EQ(ServedName(result.config, post), "httproute/infra/young/rule/1");  // method first
  Request get = post;
  get.method = "GET";
  EXPECT_EQ(ServedName(result.config, get), "httproute/infra/young/rule/2");  // 2 headers
  get.headers.erase("y");
  EXPECT_EQ(ServedName(result.config, get), "httproute/infra/young/rule/3");
  EXPECT_EQ(ServedName(result.config, Get("h", "/a/1")), "httproute/infra/young/rule/5");
  EXPECT_EQ(ServedName(result.config, Get("h", "/a/22")), "httproute/infra/young/rule/4");
}

TEST(HttpRouteTest, ParentRefAttachmentReasons) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: hosts, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: foo, port: 9080, protocol: HTTP, hostname: foo.example.com}
  - {name: bar, port: 9081, protocol: HTTP, hostname: bar.example.com}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra, generation: 7}
spec:
  parentRefs:
  - {name: hosts, sectionName: foo}
  - {name: hosts, sectionName: nope}
  - {name: hosts, port: 9081}
  - {name: hosts, port: 9999}
  - {name: hosts, sectionName: foo, port: 9081}
  - {name: missing}
  - {name: gw, namespace: infra, group: example.com, kind: Mesh}
  hostnames: [foo.example.com]
  rules: [{backendRefs: [{name: v1, port: 8080}]}]
)");
  const nlohmann::json* status = FindStatus(result, "HTTPRoute", "infra", "r");
  ASSERT_NE(status, nullptr);
  // Only parentRefs to our Gateways get a status entry.
  ASSERT_EQ((*status)["parents"].size(), 5u);
  EXPECT_EQ(ConditionOf(result, "r", "Accepted", 0), "True/Accepted");
  EXPECT_EQ(ConditionOf(result, "r", "Accepted", 1), "False/NoMatchingParent");
  EXPECT_EQ(ConditionOf(result, "r", "Accepted", 2), "False/NoMatchingListenerHostname");
  EXPECT_EQ(ConditionOf(result, "r", "Accepted", 3), "False/NoMatchingParent");
  EXPECT_EQ(ConditionOf(result, "r", "Accepted", 4), "False/NoMatchingParent");
  const nlohmann::json& parent = (*status)["parents"][0];
  EXPECT_EQ(parent["controllerName"], "atrium.dev/gateway-controller");
  EXPECT_EQ(parent["parentRef"], nlohmann::json::parse(R"({"group":"gateway.networking.k8s.io",
      "kind":"Gateway","name":"hosts","sectionName":"foo"})"));
  for (const nlohmann::json& condition : parent["conditions"]) {
    EXPECT_EQ(condition["observedGeneration"], 7);
  }
  bool missing_reported = false;
  for (const Problem& problem : result.problems) {
    missing_reported =
        missing_reported ||
        problem.reason.find("Gateway infra/missing does not exist") != std::string::npos;
  }
  EXPECT_TRUE(missing_reported);
  Request request = Get("foo.example.com", "/");
  request.bind_port = 9080;
  EXPECT_EQ(ServedName(result.config, request), "httproute/infra/r/rule/0");
}

TEST(HttpRouteTest, InvalidRulesAreDroppedAndReported) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad-regex, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: RegularExpression, value: "/(unclosed"}}]
    backendRefs: [{name: v1, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: partly, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  hostnames: [partly.example.com]
  rules:
  - matches: [{path: {value: /good}}]
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{headers: [{type: RegularExpression, name: x, value: "[z-a]"}]}]
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {type: Exact, value: /rewrite}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /x}}}]
    backendRefs: [{name: v1, port: 8080}]
  - filters:
    - {type: RequestRedirect, requestRedirect: {hostname: a.example.com}}
    - {type: URLRewrite, urlRewrite: {hostname: b.example.com}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad-host, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  hostnames: ["Not_A_Host"]
  rules: [{backendRefs: [{name: v1, port: 8080}]}]
)");
  EXPECT_EQ(ConditionOf(result, "bad-regex", "Accepted"), "False/UnsupportedValue");
  EXPECT_EQ(ConditionOf(result, "bad-regex", "PartiallyInvalid"), "");
  EXPECT_EQ(ConditionOf(result, "partly", "Accepted"), "True/Accepted");
  EXPECT_EQ(ConditionOf(result, "partly", "PartiallyInvalid"), "True/UnsupportedValue");
  const nlohmann::json* status = FindStatus(result, "HTTPRoute", "infra", "partly");
  std::string message =
      (*FindCondition((*status)["parents"][0]["conditions"], "PartiallyInvalid"))["message"];
  EXPECT_EQ(message.rfind("Dropped Rule", 0), 0u) << message;
  EXPECT_NE(message.find("rule 1"), std::string::npos);
  EXPECT_NE(message.find("rule 2"), std::string::npos);
  EXPECT_NE(message.find("rule 3"), std::string::npos);
  EXPECT_EQ(ConditionOf(result, "bad-host", "Accepted"), "False/UnsupportedValue");
  // Only accepted routes count as attached: "partly" (and not "bad-regex",
  // "bad-host").
  const nlohmann::json* gateway = FindStatus(result, "Gateway", "infra", "gw");
  ASSERT_NE(gateway, nullptr);
  EXPECT_EQ((*gateway)["listeners"][0]["attachedRoutes"], 1);
  EXPECT_EQ(ServedName(result.config, Get("partly.example.com", "/good")),
            "httproute/infra/partly/rule/0");
  EXPECT_EQ(ServedName(result.config, Get("partly.example.com", "/rewrite")), "404");
  EXPECT_EQ(ServedName(result.config, Get("h", "/anything")), "404");
  size_t route_problems = 0;
  for (const Problem& problem : result.problems) route_problems += problem.kind == "HTTPRoute";
  EXPECT_GE(route_problems, 5u);
}

TEST(HttpRouteTest, BackendValidityAndWeights) {
  Result result = TranslateYaml(R"(
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Service
metadata: {name: granted, namespace: other}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: denied, namespace: other}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grant, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra}]
  to: [{group: "", kind: Service, name: granted}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mixed, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {value: /mixed}}]
    backendRefs:
    - {name: v1, port: 8080, weight: 3}
    - {name: missing, port: 8080}
    - {name: denied, namespace: other, port: 80}
    - {name: granted, namespace: other, port: 80, weight: 0}
    - {group: example.com, kind: Bucket, name: b}
    - {name: v1, port: 9999}
  - matches: [{path: {value: /zero}}]
    backendRefs: [{name: v1, port: 8080, weight: 0}]
  - matches: [{path: {value: /none}}]
  - matches: [{path: {value: /ws}}]
    backendRefs: [{name: v2, port: 8080}]
)");
  const ir::Route* mixed = Served(result.config, Get("h", "/mixed"));
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(mixed->direct_status, 0);
  ASSERT_EQ(mixed->backends.size(), 6u);
  struct Expected {
    std::string name;
    uint32_t weight;
    bool valid;
  };
  const Expected expected[] = {
      {"infra/v1:8080", 3, true},    {"infra/missing:8080", 1, false},
      {"other/denied:80", 1, false}, {"other/granted:80", 0, true},
      {"infra/b", 1, false},         {"infra/v1:9999", 1, false},
  };
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(mixed->backends[i].name, expected[i].name);
    EXPECT_EQ(mixed->backends[i].weight, expected[i].weight) << expected[i].name;
    EXPECT_EQ(mixed->backends[i].valid, expected[i].valid) << expected[i].name;
  }
  EXPECT_EQ(mixed->backends[0].endpoints, (std::vector<ir::Endpoint>{{"10.1.0.1", 3000, true}}));
  // ResolvedRefs reports the first problem, with every problem in the message.
  EXPECT_EQ(ConditionOf(result, "mixed", "ResolvedRefs"), "False/BackendNotFound");
  EXPECT_EQ(ConditionOf(result, "mixed", "Accepted"), "True/Accepted");
  EXPECT_EQ(ServedBackend(result, Get("h", "/zero")), "500");
  EXPECT_EQ(ServedBackend(result, Get("h", "/none")), "500");
  const ir::Route* ws = Served(result.config, Get("h", "/ws"));
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(ws->backends[0].app_protocol, "kubernetes.io/ws");

  std::map<std::string, bool> reasons;
  const nlohmann::json* status = FindStatus(result, "HTTPRoute", "infra", "mixed");
  std::string message =
      (*FindCondition((*status)["parents"][0]["conditions"], "ResolvedRefs"))["message"];
  for (const char* needle : {"missing", "denied", "Bucket", "9999"}) {
    EXPECT_NE(message.find(needle), std::string::npos) << needle;
  }
}

TEST(HttpRouteTest, ReasonForEachKindOfBadReference) {
  struct Case {
    std::string backend_ref;
    std::string reason;
  };
  const Case cases[] = {
      {"{name: nope, port: 8080}", "False/BackendNotFound"},
      {"{name: v1, namespace: other, port: 8080}", "False/RefNotPermitted"},
      {"{group: example.com, kind: Thing, name: v1}", "False/InvalidKind"},
      {"{name: v1, port: 8080}", "True/ResolvedRefs"},
  };
  for (const Case& c : cases) {
    Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [)" + c.backend_ref +
                                  "]}]\n");
    EXPECT_EQ(ConditionOf(result, "r", "ResolvedRefs"), c.reason) << c.backend_ref;
    EXPECT_EQ(ConditionOf(result, "r", "Accepted"), "True/Accepted") << c.backend_ref;
    EXPECT_EQ(ServedBackend(result, Get("h", "/")), c.reason == "True/ResolvedRefs" ? "v1" : "500")
        << c.backend_ref;
  }
}

// RequestRedirect default-port rules, computed from the listener's spec port.
TEST(HttpRouteTest, RedirectPortsFollowTheSpecDefaults) {
  struct Case {
    int listener_port;
    std::string protocol;
    std::string redirect;
    uint16_t expected_port;
  };
  const Case cases[] = {
      {80, "HTTP", "{}", 0},
      {80, "HTTP", "{scheme: https}", 0},
      {80, "HTTP", "{port: 8443}", 8443},
      {80, "HTTP", "{port: 80}", 0},
      {80, "HTTP", "{scheme: https, port: 80}", 80},
      {8080, "HTTP", "{}", 8080},
      {8080, "HTTP", "{scheme: http}", 0},
      {8080, "HTTP", "{scheme: https}", 0},
      {443, "HTTPS", "{}", 0},
      {443, "HTTPS", "{scheme: http}", 0},
      {443, "HTTPS", "{port: 80}", 80},
      {8443, "HTTPS", "{}", 8443},
      {8443, "HTTPS", "{scheme: https, port: 443}", 0},
  };
  for (const Case& c : cases) {
    std::string tls =
        c.protocol == "HTTPS" ? ", tls: {certificateRefs: [{name: cert}]}" : std::string();
    Options options;
    options.port_offset = 10000;  // keeps 80 (the base Gateway) off 8080
    Result result = TranslateYaml(R"(
apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: infra}
type: kubernetes.io/tls
data:
  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUUKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo=
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: redirect, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners: [{name: l, port: )" + std::to_string(c.listener_port) +
                                      ", protocol: " + c.protocol + tls + R"(}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: redirect}]
  rules: [{filters: [{type: RequestRedirect, requestRedirect: )" +
                                      c.redirect + "}]}]\n",
                                  options);
    Request request = Get("h", "/");
    request.bind_port = c.listener_port < 1024 ? c.listener_port + 10000 : c.listener_port;
    const ir::Route* route = Served(result.config, request);
    ASSERT_NE(route, nullptr) << c.listener_port << " " << c.redirect;
    ASSERT_TRUE(route->filters.redirect.has_value());
    EXPECT_EQ(route->filters.redirect->port, c.expected_port)
        << c.protocol << " " << c.listener_port << " " << c.redirect;
    EXPECT_EQ(route->filters.redirect->status_code, 302);
    EXPECT_EQ(route->direct_status, 0);
    EXPECT_TRUE(ir::Validate(result.config).empty());
  }
}

TEST(HttpRouteTest, FiltersOnRulesAndBackends) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: f, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {value: /api}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Set, value: a}]
        add: [{name: X-Add, value: b}]
        remove: [X-Remove]
    - type: ResponseHeaderModifier
      responseHeaderModifier: {set: [{name: X-Resp, value: c}]}
    - type: URLRewrite
      urlRewrite: {hostname: internal.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
    - type: RequestMirror
      requestMirror: {backendRef: {name: v1, port: 8080}, percent: 25}
    - type: RequestMirror
      requestMirror: {backendRef: {name: v1, port: 8080}, fraction: {numerator: 1, denominator: 3}}
    - type: CORS
      cors:
        allowOrigins: ["https://*.example.com"]
        allowMethods: [GET, POST]
        allowHeaders: [X-Token]
        exposeHeaders: [X-Trace]
        allowCredentials: true
        maxAge: 60
    backendRefs:
    - name: v1
      port: 8080
      filters:
      - type: RequestHeaderModifier
        requestHeaderModifier: {add: [{name: X-Backend, value: v1}]}
    timeouts: {request: 10s, backendRequest: 2s}
    retry: {codes: [503, 502, 503], attempts: 3, backoff: 100ms}
  - matches: [{path: {value: /bad-header}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: X-A, value: "a\r\nInjected: 1"}]}
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {value: /ext}}]
    filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: a}}]
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {value: /timeouts}}]
    timeouts: {request: 1s, backendRequest: 2s}
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {value: /zero}}]
    timeouts: {request: 0s, backendRequest: 0s}
    backendRefs: [{name: v1, port: 8080}]
)");
  const ir::Route* api = Served(result.config, Get("h", "/api/x"));
  ASSERT_NE(api, nullptr);
  ASSERT_TRUE(api->filters.request_headers.has_value());
  EXPECT_EQ(api->filters.request_headers->set, (std::vector<ir::Header>{{"X-Set", "a"}}));
  EXPECT_EQ(api->filters.request_headers->add, (std::vector<ir::Header>{{"X-Add", "b"}}));
  EXPECT_EQ(api->filters.request_headers->remove, std::vector<std::string>{"X-Remove"});
  ASSERT_TRUE(api->filters.response_headers.has_value());
  ASSERT_TRUE(api->filters.rewrite.has_value());
  EXPECT_EQ(api->filters.rewrite->hostname, "internal.example.com");
  EXPECT_EQ(api->filters.rewrite->path.kind, ir::PathModifierKind::kReplacePrefixMatch);
  EXPECT_EQ(api->filters.rewrite->path.value, "/v2");
  ASSERT_EQ(api->filters.mirrors.size(), 2u);
  EXPECT_EQ(api->filters.mirrors[0].backend_name, "infra/v1:8080");
  EXPECT_EQ(api->filters.mirrors[0].numerator, 25u);
  EXPECT_EQ(api->filters.mirrors[0].denominator, 100u);
  EXPECT_EQ(api->filters.mirrors[1].numerator, 1u);
  EXPECT_EQ(api->filters.mirrors[1].denominator, 3u);
  EXPECT_EQ(api->filters.mirrors[0].endpoints,
            (std::vector<ir::Endpoint>{{"10.1.0.1", 3000, true}}));
  ASSERT_TRUE(api->filters.cors.has_value());
  EXPECT_EQ(api->filters.cors->allow_origins, std::vector<std::string>{"https://*.example.com"});
  EXPECT_TRUE(api->filters.cors->allow_credentials);
  EXPECT_EQ(api->filters.cors->max_age_seconds, 60);
  ASSERT_TRUE(api->backends[0].filters.request_headers.has_value());
  EXPECT_EQ(api->backends[0].filters.request_headers->add,
            (std::vector<ir::Header>{{"X-Backend", "v1"}}));
  ASSERT_TRUE(api->timeouts.has_value());
  EXPECT_EQ(api->timeouts->request_ms, 10000);
  EXPECT_EQ(api->timeouts->backend_request_ms, 2000);
  ASSERT_TRUE(api->retry.has_value());
  EXPECT_EQ(api->retry->codes, (std::vector<int>{503, 502}));
  EXPECT_EQ(api->retry->attempts, 3);
  EXPECT_EQ(api->retry->backoff_ms, 100);
  // A header value that would split the request is refused.
  EXPECT_EQ(ServedName(result.config, Get("h", "/bad-header")), "404");
  // backendRequest longer than request: the rule is dropped.
  EXPECT_EQ(ServedName(result.config, Get("h", "/timeouts")), "404");
  const ir::Route* ext = Served(result.config, Get("h", "/ext"));
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(ext->direct_status, 500);
  // A rule without timeouts or retry, or with zero (disabled) timeouts,
  // carries none: unset, not boxed defaults.
  EXPECT_FALSE(ext->timeouts.has_value());
  EXPECT_FALSE(ext->retry.has_value());
  const ir::Route* zero = Served(result.config, Get("h", "/zero"));
  ASSERT_NE(zero, nullptr);
  EXPECT_FALSE(zero->timeouts.has_value());
  EXPECT_EQ(ConditionOf(result, "f", "ResolvedRefs"), "False/InvalidKind");
  EXPECT_EQ(ConditionOf(result, "f", "PartiallyInvalid"), "True/UnsupportedValue");
}

// Routes that use one Service port hold one endpoint list: thousands of
// routes to a Service of hundreds of pods keep its endpoints once, and
// translate reads the Service's slices once per pass, not once per route.
TEST(HttpRouteTest, RoutesToOneServicePortShareItsEndpointList) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  hostnames: [a.example.com]
  rules: [{backendRefs: [{name: v1, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b, namespace: infra}
spec:
  parentRefs: [{name: gw}]
  hostnames: [b.example.com]
  rules:
  - backendRefs: [{name: v1, port: 8080}]
    filters: [{type: RequestMirror, requestMirror: {backendRef: {name: v1, port: 8080}}}]
)");
  const ir::Route* a = Served(result.config, Get("a.example.com", "/"));
  const ir::Route* b = Served(result.config, Get("b.example.com", "/"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(a->backends.size(), 1u);
  ASSERT_EQ(b->backends.size(), 1u);
  ASSERT_EQ(b->filters.mirrors.size(), 1u);
  EXPECT_EQ(a->backends[0].endpoints, (std::vector<ir::Endpoint>{{"10.1.0.1", 3000, true}}));
  EXPECT_TRUE(a->backends[0].endpoints.SameObject(b->backends[0].endpoints));
  EXPECT_TRUE(a->backends[0].endpoints.SameObject(b->filters.mirrors[0].endpoints));
}

// Statuses come ordered by kind, then namespace and name, whatever order
// the routes are stored in: "a-b/x" is stored before "a/y" ('-' < '/'), but
// namespace "a" comes before "a-b".
TEST(HttpRouteTest, StatusesAreOrderedByKindNamespaceAndName) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: x, namespace: a-b}
spec: {parentRefs: [{name: gw, namespace: infra}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: y, namespace: a}
spec: {parentRefs: [{name: gw, namespace: infra}]}
)");
  std::vector<std::string> order;
  for (const ObjectStatus& status : result.statuses) {
    order.push_back(status.kind + " " + status.ns + "/" + status.name);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"Gateway infra/gw", "GatewayClass /atrium",
                                             "HTTPRoute a/y", "HTTPRoute a-b/x"}));
}

}  // namespace
}  // namespace atrium::translate
