// The GatewayPort8080 cases (see port8080_cases.h): the same objects,
// status and requests as the conformance suite, each Gateway given its
// test address.

#include "tests/conformance/port8080_cases.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace atrium::conformance {
namespace {

// ListenerReady: listener of gateway is Accepted and ResolvedRefs (any
// reason, as the suite checks) with `attached` routes.
std::vector<ConditionCheck> ListenerReady(const std::string& gateway, const std::string& listener,
                                          int attached) {
  std::vector<ConditionCheck> checks;
  for (const char* type : {"Accepted", "ResolvedRefs"}) {
    checks.push_back({.kind = "Gateway",
                      .name = gateway,
                      .parent = "",
                      .type = type,
                      .status = "True",
                      .reason = "",
                      .listener = listener,
                      .attached_routes = attached});
  }
  return checks;
}

// Redirect8080: a request to the port-8080 listener of gateway, answered
// with a 302 to location.
Step Redirect8080(const std::string& gateway, std::string path, std::string location) {
  Step step;
  step.request.gateway = gateway;
  step.request.port = kPort8080;
  step.request.path = std::move(path);
  step.expect.status = 302;
  step.expect.location = std::move(location);
  return step;
}

std::string RedirectRule(const std::string& path, const std::string& redirect) {
  return "  - matches:\n    - path:\n        type: PathPrefix\n        value: " + path +
         "\n    filters:\n    - type: RequestRedirect\n      requestRedirect:\n" + redirect;
}

}  // namespace

std::vector<ConformanceCase> Port8080Cases() {
  std::vector<ConformanceCase> cases;

  // GatewayWithAttachedRoutesWithPort8080: a route naming sectionName http
  // attaches to the port-80 listener only; the port-8080 listener is ready
  // with no route. Atrium also serves both: the route answers on port 80,
  // nothing routes on 8080 (404), which the suite does not send.
  {
    const std::string gateway = "gateway-with-two-listeners-and-one-attached-route";
    ConformanceCase test{.name = "GatewayWithAttachedRoutesWithPort8080",
                         .manifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gateway-with-two-listeners-and-one-attached-route
  namespace: gateway-conformance-infra
spec:
  gatewayClassName: atrium
  addresses:
  - type: IPAddress
    value: )" + GatewayAddress(gateway) +
                                      R"(
  listeners:
  - name: http-unattached
    port: 8080
    protocol: HTTP
    allowedRoutes:
      kinds:
      - kind: HTTPRoute
      namespaces:
        from: All
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      kinds:
      - kind: HTTPRoute
      namespaces:
        from: All
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: http-route-4-port8080
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - kind: Gateway
    name: gateway-with-two-listeners-and-one-attached-route
    namespace: gateway-conformance-infra
    sectionName: http
  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
)",
                         .extra_gateways = {gateway, gateway + ":" + std::to_string(kPort8080)}};
    test.conditions = ListenerReady(gateway, "http-unattached", 0);
    for (ConditionCheck& check : ListenerReady(gateway, "http", 1)) {
      test.conditions.push_back(std::move(check));
    }
    Step on80;
    on80.request.gateway = gateway;
    on80.expect.backend = "infra-backend-v1";
    Step on8080;
    on8080.request.gateway = gateway;
    on8080.request.port = kPort8080;
    on8080.expect.status = 404;
    test.steps = {on80, on8080};
    cases.push_back(std::move(test));
  }

  // HTTPRouteRedirectPortAndScheme, its http-listener-on-8080 part: an
  // unset redirect port follows the listener's port, 8080, which is not the
  // scheme's default and so stays in Location; port 80 and scheme https
  // default to their well-known ports, which Location leaves out.
  {
    const std::string gateway = "same-namespace-with-http-listener-on-8080";
    const std::string route = "http-route-for-listener-on-port-8080";
    cases.push_back(
        {.name = "HTTPRouteRedirectPortAndSchemeHttpListenerOn8080",
         .manifests = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n"
                      "  name: " +
                      gateway +
                      "\n  namespace: gateway-conformance-infra\nspec:\n"
                      "  gatewayClassName: atrium\n  addresses:\n  - type: IPAddress\n"
                      "    value: " +
                      GatewayAddress(gateway) +
                      "\n  listeners:\n  - name: http\n    port: 8080\n    protocol: HTTP\n"
                      "    allowedRoutes:\n      namespaces:\n        from: Same\n---\n"
                      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n"
                      "  name: " +
                      route +
                      "\n  namespace: gateway-conformance-infra\nspec:\n  parentRefs:\n"
                      "  - name: " +
                      gateway + "\n  rules:\n" +
                      RedirectRule("/scheme-nil-and-port-nil", "        hostname: example.org\n") +
                      RedirectRule("/scheme-nil-and-port-80",
                                   "        hostname: example.org\n        port: 80\n") +
                      RedirectRule("/scheme-https-and-port-nil",
                                   "        hostname: example.org\n        scheme: https\n"),
         .conditions = RouteReady(route, gateway),
         .steps = {Redirect8080(gateway, "/scheme-nil-and-port-nil",
                                "http://example.org:8080/scheme-nil-and-port-nil"),
                   Redirect8080(gateway, "/scheme-nil-and-port-80",
                                "http://example.org/scheme-nil-and-port-80"),
                   Redirect8080(gateway, "/scheme-https-and-port-nil",
                                "https://example.org/scheme-https-and-port-nil")},
         .extra_gateways = {gateway + ":" + std::to_string(kPort8080)}});
  }
  return cases;
}

}  // namespace atrium::conformance
