// The reproduced conformance cases that change a GatewayClass, a Gateway or
// an HTTPRoute mid-case: the same objects, changes and expectations as
// kubernetes-sigs/gateway-api conformance/tests/<name>.yaml and .go. Each
// Gateway gets its own loopback address (as each has its own in a
// cluster); what Atrium checks beyond the suite is marked as such.

#include "tests/conformance/change_cases.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace atrium::conformance {
namespace {

// GatewayYaml is a Gateway of the infra namespace at its test address.
std::string GatewayYaml(const std::string& name, const std::string& listeners) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: " + name +
         "\n  namespace: gateway-conformance-infra\nspec:\n  gatewayClassName: atrium\n"
         "  addresses:\n  - type: IPAddress\n    value: " +
         GatewayAddress(name) + "\n  listeners:\n" + listeners;
}

constexpr char kHttpFromAll[] = R"(  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: All
)";

constexpr char kHttpsSecureTestCom[] = R"(  - name: https
    port: 443
    protocol: HTTPS
    hostname: secure.test.com
    allowedRoutes:
      namespaces:
        from: All
    tls:
      certificateRefs:
      - group: ""
        kind: Secret
        name: tls-validity-checks-certificate
        namespace: gateway-conformance-infra
)";

ConditionCheck GatewayCondition(std::string gateway, std::string type) {
  return {.kind = "Gateway", .name = std::move(gateway), .type = std::move(type), .status = "True"};
}

// ListenerReady: listener of gateway is Accepted and ResolvedRefs (any
// reason), with attached routes attached to it.
std::vector<ConditionCheck> ListenerReady(const std::string& gateway, const std::string& listener,
                                          std::optional<int> attached) {
  std::vector<ConditionCheck> checks;
  for (const char* type : {"Accepted", "ResolvedRefs"}) {
    checks.push_back({.kind = "Gateway",
                      .name = gateway,
                      .type = type,
                      .status = "True",
                      .listener = listener,
                      .attached_routes = attached});
  }
  return checks;
}

ConditionCheck ListenerAbsent(std::string gateway, std::string listener) {
  return {.kind = "Gateway",
          .name = std::move(gateway),
          .listener = std::move(listener),
          .absent = true};
}

template <typename T>
std::vector<T> Join(std::vector<std::vector<T>> parts) {
  std::vector<T> all;
  for (auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

// Http sends GET path to gateway's port-80 listener with Host host.
Step Http(std::string gateway, std::string host, std::string path, int status,
          std::string backend = "") {
  Step step;
  step.request.gateway = std::move(gateway);
  step.request.host = std::move(host);
  step.request.path = std::move(path);
  step.expect.status = status;
  step.expect.backend = std::move(backend);
  return step;
}

ConformanceCase GatewayObservedGenerationBump() {
  const std::string gateway = "gateway-observed-generation-bump";
  ConformanceCase test{.name = "GatewayObservedGenerationBump",
                       .manifests = GatewayYaml(gateway, kHttpFromAll),
                       .conditions = {GatewayCondition(gateway, "Accepted"),
                                      GatewayCondition(gateway, "Programmed")},
                       .extra_gateways = {gateway}};
  // The suite patches in a second port-80 listener for foo.com.
  test.changes.push_back(
      {.description = "add listener alternate",
       .replace_specs = GatewayYaml(gateway, std::string(kHttpFromAll) + R"(  - name: alternate
    hostname: foo.com
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: All
)"),
       .conditions = Join<ConditionCheck>({ListenerReady(gateway, "alternate", 0),
                                           ListenerReady(gateway, "http", 0),
                                           {GatewayCondition(gateway, "Programmed")}}),
       .latest = {{.kind = "Gateway", .name = gateway}}});
  return test;
}

ConformanceCase GatewayModifyListeners() {
  const std::string add = "gateway-add-listener";
  const std::string remove = "gateway-remove-listener";
  const std::string routes = R"(---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: http-route-1
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - kind: Gateway
    name: gateway-add-listener
    namespace: gateway-conformance-infra
  rules:
  - backendRefs:
    - name: foo-svc
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: http-route-2
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - kind: Gateway
    name: gateway-remove-listener
    namespace: gateway-conformance-infra
  rules:
  - backendRefs:
    - name: foo-svc
      port: 8080
---
# Not in the suite: a route bound to the listener that is removed.
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: http-route-https-only
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - kind: Gateway
    name: gateway-remove-listener
    namespace: gateway-conformance-infra
    sectionName: https
  rules:
  - backendRefs:
    - name: foo-svc
      port: 8080
)";
  ConformanceCase test{
      .name = "GatewayModifyListeners",
      .manifests = TlsValidityCertificateYaml() + "---\n" + GatewayYaml(add, kHttpsSecureTestCom) +
                   "---\n" + GatewayYaml(remove, std::string(kHttpsSecureTestCom) + kHttpFromAll) +
                   routes,
      .conditions = Join<ConditionCheck>({ListenerReady(add, "https", 1),
                                          ListenerReady(remove, "https", 2),
                                          ListenerReady(remove, "http", 1),
                                          {{.name = "http-route-https-only",
                                            .parent = remove,
                                            .type = "Accepted",
                                            .status = "True"}}}),
      .extra_gateways = {add + ":443", remove + ":443", remove}};

  // "should be able to add a listener that then becomes available for
  // routing traffic": foo-svc does not exist, so the route answers 500.
  test.changes.push_back(
      {.description = "add listener http to gateway-add-listener",
       .replace_specs = GatewayYaml(add, std::string(kHttpsSecureTestCom) + R"(  - name: http
    port: 80
    protocol: HTTP
    hostname: data.test.com
    allowedRoutes:
      namespaces:
        from: All
)"),
       .conditions =
           Join<ConditionCheck>({ListenerReady(add, "https", 1), ListenerReady(add, "http", 1)}),
       .latest = {{.kind = "Gateway", .name = add}},
       .steps = {Http(add, "data.test.com", "/", 500)}});

  // "should be able to remove listeners, which would then stop routing the
  // relevant traffic". Beyond the suite: the route bound to the removed
  // listener loses acceptance, and its port stops answering.
  Step https_gone;
  https_gone.request = {.path = "/",
                        .host = "secure.test.com",
                        .gateway = remove,
                        .https = true,
                        .sni = "secure.test.com"};
  https_gone.expect.status = 0;
  test.changes.push_back(
      {.description = "remove listener https from gateway-remove-listener",
       .replace_specs = GatewayYaml(remove, kHttpFromAll),
       .conditions = Join<ConditionCheck>(
           {ListenerReady(remove, "http", 1),
            {ListenerAbsent(remove, "https"),
             {.name = "http-route-https-only",
              .parent = remove,
              .type = "Accepted",
              .status = "False",
              .reason = "NoMatchingParent"},
             {.name = "http-route-2", .parent = remove, .type = "Accepted", .status = "True"}}}),
       .latest = {{.kind = "Gateway", .name = remove}},
       .steps = {Http(remove, "", "/", 500), https_gone}});
  return test;
}

ConformanceCase HttpRouteObservedGenerationBump() {
  const std::string route = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: observed-generation-bump
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: same-namespace
  rules:
  - backendRefs:
    - name: BACKEND
      port: 8080
)";
  auto with_backend = [&](const std::string& backend) {
    std::string yaml = route;
    yaml.replace(yaml.find("BACKEND"), 7, backend);
    return yaml;
  };
  const std::string name = "observed-generation-bump";
  ConformanceCase test{.name = "HTTPRouteObservedGenerationBump",
                       .manifests = with_backend("infra-backend-old"),
                       .conditions = {{.name = name,
                                       .parent = "same-namespace",
                                       .type = "Accepted",
                                       .status = "True"},
                                      {.name = name,
                                       .parent = "same-namespace",
                                       .type = "ResolvedRefs",
                                       .status = "False",
                                       .reason = "BackendNotFound"}},
                       .steps = {Http("same-namespace", "", "/", 500)}};
  // The suite's change: the first backendRef becomes infra-backend-v2.
  test.changes.push_back({.description = "backendRef to infra-backend-v2",
                          .replace_specs = with_backend("infra-backend-v2"),
                          .conditions = RouteReady(name),
                          .latest = {{.kind = "HTTPRoute", .name = name}},
                          .steps = {Http("same-namespace", "", "/", 200, "infra-backend-v2")}});
  // Beyond the suite: deleting the route detaches it from the listener.
  test.changes.push_back({.description = "delete the route",
                          .deletes = {{.kind = "HTTPRoute", .name = name}},
                          .conditions = ListenerReady("same-namespace", "http", 0),
                          .steps = {Http("same-namespace", "", "/", 404)}});
  return test;
}

ConformanceCase GatewayClassObservedGenerationBump() {
  // Its own GatewayClass of Atrium's controller, so the change leaves the
  // class of the base Gateways alone.
  const std::string name = "gatewayclass-observed-generation-bump";
  auto class_yaml = [&](const std::string& description) {
    return "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: " +
           name + "\nspec:\n  controllerName: atrium.dev/gateway-controller\n  description: " +
           description + "\n";
  };
  const ConditionCheck accepted{
      .kind = "GatewayClass", .ns = "", .name = name, .type = "Accepted", .status = "True"};
  ConformanceCase test{.name = "GatewayClassObservedGenerationBump",
                       .manifests = class_yaml("old"),
                       .conditions = {accepted}};
  // The suite's change: the description goes from "old" to "new"; every
  // condition must then observe the new generation.
  test.changes.push_back({.description = "description old to new",
                          .replace_specs = class_yaml("new"),
                          .conditions = {accepted},
                          .latest = {{.kind = "GatewayClass", .ns = "", .name = name}}});
  return test;
}

ConformanceCase GatewayUpdateListenerHostname() {
  const std::string gateway = "gateway-update-listener-hostname";
  const std::string route = "httproute-update-listener-hostname";
  auto listener = [](const std::string& hostname) {
    return "  - name: http\n    port: 80\n    protocol: HTTP\n    hostname: " + hostname +
           "\n    allowedRoutes:\n      namespaces:\n        from: Same\n";
  };
  const std::string route_yaml = R"(---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httproute-update-listener-hostname
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - kind: Gateway
    name: gateway-update-listener-hostname
    namespace: gateway-conformance-infra
  hostnames:
  - accepted.example.com
  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
)";
  ConformanceCase test{
      .name = "GatewayUpdateListenerHostname",
      .manifests = GatewayYaml(gateway, listener("other.example.com")) + route_yaml,
      .conditions = Join<ConditionCheck>({{{.name = route,
                                            .parent = gateway,
                                            .type = "Accepted",
                                            .status = "False",
                                            .reason = "NoMatchingListenerHostname"}},
                                          // Beyond the suite: nothing attached yet.
                                          ListenerReady(gateway, "http", 0)}),
      // Beyond the suite: the route's hostname is not served yet.
      .steps = {Http(gateway, "accepted.example.com", "/", 404)},
      .extra_gateways = {gateway}};
  // The suite's change: the listener's hostname becomes the route's.
  test.changes.push_back(
      {.description = "listener hostname to accepted.example.com",
       .replace_specs = GatewayYaml(gateway, listener("accepted.example.com")),
       .conditions = Join<ConditionCheck>({{{.name = route,
                                             .parent = gateway,
                                             .type = "Accepted",
                                             .status = "True",
                                             .reason = "Accepted"}},
                                           ListenerReady(gateway, "http", 1)}),
       .latest = {{.kind = "Gateway", .name = gateway}},
       // Beyond the suite: the route now answers, the old hostname no more.
       .steps = {Http(gateway, "accepted.example.com", "/", 200, "infra-backend-v1"),
                 Http(gateway, "other.example.com", "/", 404)}});
  return test;
}

}  // namespace

std::vector<ConformanceCase> ChangeCases() {
  return {GatewayClassObservedGenerationBump(), GatewayObservedGenerationBump(),
          GatewayModifyListeners(), GatewayUpdateListenerHostname(),
          HttpRouteObservedGenerationBump()};
}

}  // namespace atrium::conformance
