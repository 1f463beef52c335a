// Malformed input never throws out of Translate and never disturbs the
// objects around it.

#include <gtest/gtest.h>

#include <functional>

#include "controller/translate/httproute_spec.h"
#include "controller/translate/translate.h"
#include "tests/controller/translate/test_support.h"

namespace atrium::translate {
namespace {

// One of each kind, with most optional fields set, so that mutations reach
// every accessor.
constexpr const char* kEverything = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: atrium}
spec: {controllerName: atrium.dev/gateway-controller}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {team: a}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra, generation: 2, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  gatewayClassName: atrium
  addresses: [{type: IPAddress, value: 127.0.0.1}]
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    hostname: "*.example.com"
    allowedRoutes:
      namespaces: {from: Selector, selector: {matchLabels: {team: a}, matchExpressions: [{key: team, operator: In, values: [a]}]}}
      kinds: [{group: gateway.networking.k8s.io, kind: HTTPRoute}]
  - name: https
    port: 443
    protocol: HTTPS
    tls: {mode: Terminate, certificateRefs: [{group: "", kind: Secret, name: cert, namespace: infra}]}
---
apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: infra}
type: kubernetes.io/tls
data:
  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUUKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo=
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grant, namespace: infra}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
  to: [{group: "", kind: Service, name: svc}]
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: infra}
spec: {type: ClusterIP, ports: [{name: http, port: 80, protocol: TCP, appProtocol: http}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc-1, namespace: infra, labels: {kubernetes.io/service-name: svc}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.0.0.1], conditions: {ready: true}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: apps, generation: 3}
spec:
  parentRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw, namespace: infra, sectionName: http, port: 80}]
  hostnames: [a.example.com]
  rules:
  - name: main
    matches:
    - path: {type: PathPrefix, value: /api}
      headers: [{type: Exact, name: x, value: "1"}]
      queryParams: [{type: Exact, name: q, value: "1"}]
      method: GET
    filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: a, value: b}], add: [{name: c, value: d}], remove: [e]}}
    - {type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: a, value: b}]}}
    - {type: URLRewrite, urlRewrite: {hostname: b.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: svc, namespace: infra, port: 80}, fraction: {numerator: 1, denominator: 2}}}
    - {type: CORS, cors: {allowOrigins: ["*"], allowMethods: [GET], allowHeaders: [x], exposeHeaders: [y], allowCredentials: false, maxAge: 10}}
    backendRefs:
    - name: svc
      namespace: infra
      port: 80
      weight: 2
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x, value: y}]}}]
    timeouts: {request: 5s, backendRequest: 1s}
    retry: {codes: [503], attempts: 2, backoff: 10ms}
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, hostname: c.example.com, port: 8443, statusCode: 301, path: {type: ReplaceFullPath, replaceFullPath: /x}}}]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: atrium, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: atrium.dev/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: infra, annotations: {a: b}}
spec:
  ingressClassName: atrium
  defaultBackend: {service: {name: svc, port: {number: 80}}}
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: svc, port: {name: http}}}}
)";

// WrongValues are substituted for every value of an object in turn.
std::vector<nlohmann::json> WrongValues() {
  return {nullptr,
          42,
          -1,
          3.5,
          true,
          "text",
          "",
          nlohmann::json::array(),
          nlohmann::json::array({1, "x"}),
          nlohmann::json::object(),
          nlohmann::json{{"unexpected", 1}}};
}

// ForEachPosition calls visit with a JSON pointer to every value under root.
void ForEachPosition(const nlohmann::json& value, const nlohmann::json::json_pointer& pointer,
                     const std::function<void(const nlohmann::json::json_pointer&)>& visit) {
  visit(pointer);
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) ForEachPosition(child, pointer / key, visit);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) ForEachPosition(value[i], pointer / i, visit);
  }
}

Options TestOptions() {
  Options options;
  options.regex_error = testing::Re2Error;
  options.publish_addresses = {"10.9.9.9"};
  return options;
}

TEST(RobustnessTest, EverythingFixtureIsValid) {
  Result result = Translate(testing::LoadYaml(kEverything), TestOptions());
  EXPECT_TRUE(result.problems.empty()) << ToJson(result)["problems"].dump(2);
  EXPECT_EQ(ir::Validate(result.config), std::vector<std::string>{});
  EXPECT_EQ(result.statuses.size(), 4u);  // GatewayClass, Gateway, HTTPRoute, Ingress
}

TEST(RobustnessTest, EveryFieldWithEveryWrongTypeNeverThrows) {
  const state::ClusterState base = testing::LoadYaml(kEverything);
  const Options options = TestOptions();
  size_t runs = 0;
  for (std::string_view kind :
       {state::kGatewayClass, state::kGateway, state::kHttpRoute, state::kIngressClass,
        state::kIngress, state::kService, state::kEndpointSlice, state::kSecret,
        state::kReferenceGrant, state::kNamespace}) {
    const bool route = kind == state::kHttpRoute;  // held decoded: mutate its JSON, decode again
    const state::ObjectMap objects =
        route ? testing::YamlObjectsOf(kEverything, kind) : *base.MapFor(kind);
    ASSERT_FALSE(objects.empty()) << kind;
    for (const auto& [key, object] : objects) {
      std::vector<nlohmann::json::json_pointer> positions;
      ForEachPosition(object, nlohmann::json::json_pointer(),
                      [&](const nlohmann::json::json_pointer& p) { positions.push_back(p); });
      for (const nlohmann::json::json_pointer& position : positions) {
        for (const nlohmann::json& wrong : WrongValues()) {
          state::ClusterState mutated = base;
          if (route) {
            nlohmann::json changed = object;
            changed[position] = wrong;
            mutated.http_routes[key] = DecodeHttpRoute(changed, key);
          } else {
            (*mutated.MapFor(kind))[key][position] = wrong;
          }
          Result result;
          ASSERT_NO_THROW(result = Translate(mutated, options))
              << kind << " " << key << " " << position.to_string() << " = " << wrong.dump();
          EXPECT_EQ(ir::Validate(result.config), std::vector<std::string>{})
              << kind << " " << key << " " << position.to_string() << " = " << wrong.dump();
          ++runs;
        }
      }
    }
  }
  EXPECT_GT(runs, 1000u);
}

// A malformed object is rejected alone: everything else translates exactly
// as it does without it.
TEST(RobustnessTest, MalformedObjectsDoNotDisturbOthers) {
  const state::ClusterState base = testing::LoadYaml(kEverything);
  const Options options = TestOptions();
  const Result clean = Translate(base, options);

  state::ClusterState with_bad = base;
  with_bad.Put(state::kHttpRoute, nlohmann::json::parse(R"({
      "kind": "HTTPRoute", "metadata": {"name": "bad", "namespace": "apps"},
      "spec": {"parentRefs": [{"name": "gw", "namespace": "infra"}],
               "rules": [{"matches": "not-a-list"}], "hostnames": [7]}})"));
  with_bad.ingresses["infra/bad"] = nlohmann::json::parse(R"({
      "kind": "Ingress", "metadata": {"name": "bad", "namespace": "infra"},
      "spec": {"ingressClassName": "atrium", "rules": {"host": 5}}})");
  with_bad.gateways["infra/bad"] = nlohmann::json::parse(R"({
      "kind": "Gateway", "metadata": {"name": "bad", "namespace": "infra"},
      "spec": {"gatewayClassName": "atrium", "listeners": [{"name": 1}]}})");
  with_bad.services["infra/broken"] = nlohmann::json::parse(R"({
      "kind": "Service", "metadata": {"name": "broken", "namespace": "infra"},
      "spec": {"ports": "80"}})");
  with_bad.http_routes["apps/no-metadata"] =
      DecodeHttpRoute(nlohmann::json::array(), "apps/no-metadata");
  const Result result = Translate(with_bad, options);

  EXPECT_EQ(result.config, clean.config);
  for (const ObjectStatus& status : clean.statuses) {
    const nlohmann::json* same = testing::FindStatus(result, status.kind, status.ns, status.name);
    ASSERT_NE(same, nullptr) << status.kind << " " << status.name;
    EXPECT_EQ(*same, *status.status) << status.kind << " " << status.name;
  }
  std::set<std::string> reported;
  for (const Problem& problem : result.problems) reported.insert(problem.kind + "/" + problem.name);
  for (const char* expected :
       {"HTTPRoute/bad", "Ingress/bad", "Gateway/bad", "Service/broken", "HTTPRoute/no-metadata"}) {
    EXPECT_TRUE(reported.contains(expected)) << expected;
  }
}

}  // namespace
}  // namespace atrium::translate
