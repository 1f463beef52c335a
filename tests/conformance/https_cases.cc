// The reproduced Gateway API conformance cases that need an HTTPS listener:
// the same objects, requests and expectations as kubernetes-sigs/gateway-api
// conformance/tests/<name>.yaml and .go, with TLS terminated by Atrium from
// the Secret tls-validity-checks-certificate (made at test time, as the
// suite makes it).

#include "tests/conformance/https_cases.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace atrium::conformance {
namespace {

constexpr char kV1[] = "infra-backend-v1";
constexpr char kHttpsGateway[] = "same-namespace-with-https-listener";

// Tls sends GET path over TLS with sni to the HTTPS Gateway, Host host.
Step Tls(std::string sni, std::string host, std::string path, std::string backend) {
  Step step;
  step.request.gateway = kHttpsGateway;
  step.request.https = true;
  step.request.sni = std::move(sni);
  step.request.host = std::move(host);
  step.request.path = std::move(path);
  if (backend.empty()) {
    step.expect.status = 404;
  } else {
    step.expect.backend = std::move(backend);
  }
  return step;
}

Step TlsRedirect(std::string path, std::string location) {
  Step step = Tls("example.org", "example.org", std::move(path), "");
  step.expect.status = 302;
  step.expect.location = std::move(location);
  return step;
}

ConditionCheck RouteCondition(std::string route, std::string parent, std::string type,
                              std::string status, std::string reason = "") {
  return {.name = std::move(route),
          .parent = std::move(parent),
          .type = std::move(type),
          .status = std::move(status),
          .reason = std::move(reason)};
}

// ListenerCondition: status.listeners[listener] of Gateway gateway holds
// type=status (reason "" = any) and, when given, attachedRoutes.
ConditionCheck ListenerCondition(std::string gateway, std::string listener, std::string type,
                                 std::string status, std::string reason = "",
                                 std::optional<int> attached = std::nullopt) {
  return {.kind = "Gateway",
          .name = std::move(gateway),
          .type = std::move(type),
          .status = std::move(status),
          .reason = std::move(reason),
          .listener = std::move(listener),
          .attached_routes = attached};
}

// SecretGateway is a Gateway without addresses whose listener https
// references Secret `certificate` in the web-backend namespace.
std::string SecretGateway(const std::string& name, const std::string& extra_listeners = "") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: " + name +
         "\n  namespace: gateway-conformance-infra\nspec:\n  gatewayClassName: atrium\n"
         "  listeners:\n" +
         R"(  - name: https
    port: 443
    protocol: HTTPS
    allowedRoutes:
      namespaces:
        from: All
    tls:
      certificateRefs:
      - group: ""
        kind: Secret
        name: certificate
        namespace: gateway-conformance-web-backend
)" + extra_listeners +
         "---\n";
}

// WebBackendCertificate is the suite's Secret `certificate` in
// gateway-conformance-web-backend (the same key material as
// tls-validity-checks-certificate, renamed).
std::string WebBackendCertificate() {
  std::string yaml = TlsValidityCertificateYaml();
  yaml.replace(yaml.find("tls-validity-checks-certificate"),
               std::string("tls-validity-checks-certificate").size(), "certificate");
  yaml.replace(yaml.find("gateway-conformance-infra"),
               std::string("gateway-conformance-infra").size(), "gateway-conformance-web-backend");
  return yaml + "---\n";
}

std::string ReferenceGrant(const std::string& name, const std::string& ns, const std::string& from,
                           const std::string& to) {
  return "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n"
         "  name: " +
         name + "\n  namespace: " + ns + "\nspec:\n  from:\n" + from + "  to:\n" + to + "---\n";
}

constexpr char kFromInfraGateways[] =
    "  - group: gateway.networking.k8s.io\n    kind: Gateway\n"
    "    namespace: gateway-conformance-infra\n";

// InvalidTlsGateway: one Gateway of gateway-invalid-tls-configuration.yaml:
// an http listener with a control route, an https listener whose only
// certificateRef is unusable.
std::string InvalidTlsGateway(const std::string& name, const std::string& ref,
                              const std::string& control_host) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: " + name +
         "\n  namespace: gateway-conformance-infra\nspec:\n  gatewayClassName: atrium\n" +
         R"(  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
  - name: https
    port: 443
    protocol: HTTPS
    allowedRoutes:
      namespaces:
        from: All
    tls:
      certificateRefs:
)" + ref +
         "---\n" +
         "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: " + name +
         "-control\n  namespace: gateway-conformance-infra\nspec:\n  parentRefs:\n  - name: " +
         name + "\n    sectionName: http\n  hostnames:\n  - " + control_host +
         "\n  rules:\n  - backendRefs:\n    - name: infra-backend-v1\n      port: 8080\n---\n";
}

// AttachedRoutesHttpGateways: gateway-with-one-attached-route and
// gateway-with-two-attached-routes of gateway-with-attached-routes.yaml
// (no addresses: they share the default socket) with their routes.
std::string AttachedRoutesHttpGateways() {
  std::string yaml;
  const std::vector<std::pair<std::string, std::vector<std::string>>> gateways = {
      {"gateway-with-one-attached-route", {"http-route-1"}},
      {"gateway-with-two-attached-routes", {"http-route-2", "http-route-3"}}};
  for (const auto& [gateway, routes] : gateways) {
    yaml +=
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: " + gateway +
        "\n  namespace: gateway-conformance-infra\n" + R"(spec:
  gatewayClassName: atrium
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      kinds:
      - kind: HTTPRoute
      namespaces:
        from: Selector
        selector:
          matchLabels:
            kubernetes.io/metadata.name: gateway-conformance-infra
---
)";
    for (const std::string& route : routes) {
      yaml +=
          "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: " + route +
          "\n  namespace: gateway-conformance-infra\nspec:\n  parentRefs:\n" +
          "  - kind: Gateway\n    name: " + gateway +
          "\n    namespace: gateway-conformance-infra\n  rules:\n  - backendRefs:\n"
          "    - name: infra-backend-v1\n      port: 8080\n---\n";
    }
  }
  return yaml;
}

}  // namespace

std::vector<ConformanceCase> HttpsCases() {
  std::vector<ConformanceCase> cases;
  const std::string base_tls =
      TlsValidityCertificateYaml() + "---\n" + HttpsListenerGatewayYaml() + "---\n";

  // HTTPRouteHTTPSListener: the listener is chosen by SNI; a request whose
  // Host belongs to another listener of the socket is not served.
  {
    ConformanceCase test{.name = "HTTPRouteHTTPSListener",
                         .manifests = base_tls + R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httproute-https-test
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: same-namespace-with-https-listener
  hostnames:
  - example.org
  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httproute-https-test-no-hostname
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: same-namespace-with-https-listener
    sectionName: https-with-hostname
  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
)",
                         .steps = {Tls("example.org", "example.org", "/", kV1),
                                   Tls("unknown-example.org", "second-example.org", "/", ""),
                                   Tls("second-example.org", "second-example.org", "/", kV1),
                                   Tls("unknown-example.org", "unknown-example.org", "/", "")},
                         .extra_gateways = {std::string(kHttpsGateway) + ":443"}};
    for (const std::string route : {"httproute-https-test", "httproute-https-test-no-hostname"}) {
      for (ConditionCheck check : RouteReady(route, kHttpsGateway)) {
        test.conditions.push_back(std::move(check));
      }
    }
    // Ours: each route attaches to the one listener its hostnames allow.
    test.conditions.push_back(
        ListenerCondition(kHttpsGateway, "https", "Programmed", "True", "Programmed", 1));
    test.conditions.push_back(ListenerCondition(kHttpsGateway, "https-with-hostname", "Programmed",
                                                "True", "Programmed", 1));
    cases.push_back(std::move(test));
  }

  // HTTPRouteRedirectPortAndScheme, its https-listener-on-443 part: the
  // default port follows the scheme of the Location (443 for https, 80 for
  // http), never the port Atrium binds.
  {
    auto rule = [](const std::string& path, const std::string& redirect) {
      return "  - matches:\n    - path:\n        type: PathPrefix\n        value: " + path +
             "\n    filters:\n    - type: RequestRedirect\n      requestRedirect:\n"
             "        hostname: example.org\n" +
             redirect;
    };
    std::string route = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: http-route-for-listener-on-port-443
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: same-namespace-with-https-listener
    sectionName: https
  hostnames:
  - example.org
  rules:
)";
    route += rule("/scheme-nil-and-port-nil", "") +
             rule("/scheme-nil-and-port-443", "        port: 443\n") +
             rule("/scheme-nil-and-port-8443", "        port: 8443\n") +
             rule("/scheme-http-and-port-nil", "        scheme: http\n") +
             rule("/scheme-http-and-port-80", "        scheme: http\n        port: 80\n") +
             rule("/scheme-http-and-port-8080", "        scheme: http\n        port: 8080\n");
    cases.push_back({.name = "HTTPRouteRedirectPortAndSchemeHttpsListener",
                     .manifests = base_tls + route,
                     .conditions = RouteReady("http-route-for-listener-on-port-443", kHttpsGateway),
                     .steps = {TlsRedirect("/scheme-nil-and-port-nil",
                                           "https://example.org/scheme-nil-and-port-nil"),
                               TlsRedirect("/scheme-nil-and-port-443",
                                           "https://example.org/scheme-nil-and-port-443"),
                               TlsRedirect("/scheme-nil-and-port-8443",
                                           "https://example.org:8443/scheme-nil-and-port-8443"),
                               TlsRedirect("/scheme-http-and-port-nil",
                                           "http://example.org/scheme-http-and-port-nil"),
                               TlsRedirect("/scheme-http-and-port-80",
                                           "http://example.org/scheme-http-and-port-80"),
                               TlsRedirect("/scheme-http-and-port-8080",
                                           "http://example.org:8080/scheme-http-and-port-8080")},
                     .extra_gateways = {std::string(kHttpsGateway) + ":443"}});
  }

  // GatewaySecretReferenceGrantAllInNamespace / ...Specific: a grant for
  // every Secret of the namespace, or for the Secret by name, lets the
  // listener use it.
  for (const bool specific : {false, true}) {
    const std::string gateway = specific ? "gateway-secret-reference-grant-specific"
                                         : "gateway-secret-reference-grant-all-in-namespace";
    cases.push_back(
        {.name = specific ? "GatewaySecretReferenceGrantSpecific"
                          : "GatewaySecretReferenceGrantAllInNamespace",
         .manifests = WebBackendCertificate() + SecretGateway(gateway) +
                      ReferenceGrant(specific ? "reference-grant-specific"
                                              : "reference-grant-all-in-namespace",
                                     "gateway-conformance-web-backend", kFromInfraGateways,
                                     specific ? "  - group: \"\"\n    kind: Secret\n"
                                                "    name: certificate\n"
                                              : "  - group: \"\"\n    kind: Secret\n"),
         .conditions = {ListenerCondition(gateway, "https", "Programmed", "True", "Programmed", 0),
                        ListenerCondition(gateway, "https", "ResolvedRefs", "True", "", 0)}});
  }

  // GatewaySecretInvalidReferenceGrant: grants that miss in namespace,
  // from group/kind/namespace or to group/kind/name grant nothing.
  {
    auto to = [](const std::string& group, const std::string& kind, const std::string& name) {
      return "  - group: \"" + group + "\"\n    kind: " + kind + "\n    name: " + name + "\n";
    };
    auto from = [](const std::string& group, const std::string& kind, const std::string& ns) {
      return "  - group: " + group + "\n    kind: " + kind + "\n    namespace: " + ns + "\n";
    };
    const std::string web = "gateway-conformance-web-backend";
    const std::string infra = "gateway-conformance-infra";
    const std::string gw = "gateway.networking.k8s.io";
    const std::string secret = to("", "Secret", "certificate");
    const std::string gateway = "gateway-secret-invalid-reference-grant";
    cases.push_back(
        {.name = "GatewaySecretInvalidReferenceGrant",
         .manifests =
             WebBackendCertificate() + SecretGateway(gateway) +
             ReferenceGrant("reference-grant-wrong-namespace", "gateway-conformance-app-backend",
                            kFromInfraGateways, secret) +
             ReferenceGrant("reference-grant-wrong-from-group", web,
                            from("not-the-group-youre-looking-for", "Gateway", infra), secret) +
             ReferenceGrant("reference-grant-wrong-from-kind", web, from(gw, "HTTPRoute", infra),
                            secret) +
             ReferenceGrant("reference-grant-wrong-from-namespace", web,
                            from(gw, "Gateway", "not-the-namespace-youre-looking-for"), secret) +
             ReferenceGrant("reference-grant-wrong-to-group", web, kFromInfraGateways,
                            to("not-the-group-youre-looking-for", "Secret",
                               "not-the-certificate-youre-looking-for")) +
             ReferenceGrant("reference-grant-wrong-to-kind", web, kFromInfraGateways,
                            to("", "Service", "certificate")) +
             ReferenceGrant("reference-grant-wrong-to-name", web, kFromInfraGateways,
                            to("", "Secret", "not-the-certificate-youre-looking-for")),
         .conditions = {
             ListenerCondition(gateway, "https", "ResolvedRefs", "False", "RefNotPermitted")}});
  }

  // GatewaySecretMissingReferenceGrant: without a grant the reference is
  // not permitted, whether or not the Secret exists.
  {
    const std::string gateway = "gateway-secret-missing-reference-grant";
    cases.push_back(
        {.name = "GatewaySecretMissingReferenceGrant",
         .manifests =
             WebBackendCertificate() + SecretGateway(gateway, R"(  - name: https-nonexistent-secret
    port: 443
    protocol: HTTPS
    hostname: nonexistent.example.com
    allowedRoutes:
      namespaces:
        from: All
    tls:
      certificateRefs:
      - group: ""
        kind: Secret
        name: nonexistent-certificate
        namespace: gateway-conformance-web-backend
)"),
         .conditions = {
             ListenerCondition(gateway, "https", "ResolvedRefs", "False", "RefNotPermitted", 0),
             ListenerCondition(gateway, "https-nonexistent-secret", "ResolvedRefs", "False",
                               "RefNotPermitted", 0)}});
  }

  // GatewayInvalidTLSConfiguration: a missing Secret, a wrong group, a
  // wrong kind and a malformed certificate each leave the https listener
  // with ResolvedRefs False/InvalidCertificateRef; the http listener of the
  // same Gateway keeps serving its control route.
  {
    auto ref = [](const std::string& group, const std::string& kind, const std::string& name) {
      return "      - group: \"" + group + "\"\n        kind: " + kind + "\n        name: " + name +
             "\n";
    };
    const std::vector<std::pair<std::string, std::string>> gateways = {
        {"gateway-certificate-nonexistent-secret", "nonexistent-certificate.example.com"},
        {"gateway-certificate-unsupported-group", "unsupported-group-certificate.example.com"},
        {"gateway-certificate-unsupported-kind", "unsupported-kind-certificate.example.com"},
        {"gateway-certificate-malformed-secret", "malformed-certificate.example.com"}};
    const std::vector<std::string> refs = {
        ref("", "Secret", "nonexistent-certificate"),
        ref("wrong.group.company.io", "Secret", "tls-validity-checks-certificate"),
        ref("", "WrongKind", "tls-validity-checks-certificate"),
        ref("", "Secret", "malformed-certificate")};
    ConformanceCase test{.name = "GatewayInvalidTLSConfiguration",
                         .manifests = TlsValidityCertificateYaml() + R"(---
apiVersion: v1
kind: Secret
metadata:
  name: malformed-certificate
  namespace: gateway-conformance-infra
data:
  tls.crt: SGVsbG8gd29ybGQK
  tls.key: SGVsbG8gd29ybGQK
type: kubernetes.io/tls
---
)",
                         .extra_gateways = {"gateway-certificate-nonexistent-secret"}};
    for (size_t i = 0; i < gateways.size(); ++i) {
      const auto& [gateway, host] = gateways[i];
      test.manifests += InvalidTlsGateway(gateway, refs[i], host);
      test.conditions.push_back(
          ListenerCondition(gateway, "https", "ResolvedRefs", "False", "InvalidCertificateRef", 0));
      // Ours: the control route is served through the http listener.
      test.conditions.push_back(
          RouteCondition(gateway + "-control", gateway, "Accepted", "True", "Accepted"));
      Step step;
      step.request.gateway = gateway;  // no addresses: the default bind address
      step.request.host = host;
      step.expect.backend = kV1;
      test.steps.push_back(step);
    }
    cases.push_back(std::move(test));
  }

  // GatewayWithAttachedRoutes: listeners count the routes attached to
  // them (one, two), and an HTTPS listener whose certificate cannot be
  // resolved is not programmed, yet counts the route attached to it, whose
  // own backend is unresolved too. (That last Gateway is written from the
  // test's expectations: listener tls on 443 with a missing Secret, and
  // http-route-4 attached to it with a missing backend.)
  {
    const std::string gateway = "unresolved-gateway-with-one-attached-unresolved-route";
    cases.push_back(
        {.name = "GatewayWithAttachedRoutes",
         .manifests = AttachedRoutesHttpGateways() +
                      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n"
                      "  name: " +
                      gateway + "\n  namespace: gateway-conformance-infra\n" + R"(spec:
  gatewayClassName: atrium
  listeners:
  - name: tls
    port: 443
    protocol: HTTPS
    allowedRoutes:
      kinds:
      - kind: HTTPRoute
      namespaces:
        from: Selector
        selector:
          matchLabels:
            kubernetes.io/metadata.name: gateway-conformance-infra
    tls:
      certificateRefs:
      - group: ""
        kind: Secret
        name: does-not-exist
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: http-route-4
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - kind: Gateway
    name: unresolved-gateway-with-one-attached-unresolved-route
    namespace: gateway-conformance-infra
    sectionName: tls
  rules:
  - backendRefs:
    - name: does-not-exist
      port: 8080
)",
         .conditions = {ListenerCondition("gateway-with-one-attached-route", "http", "Accepted",
                                          "True", "", 1),
                        ListenerCondition("gateway-with-one-attached-route", "http", "ResolvedRefs",
                                          "True", "", 1),
                        ListenerCondition("gateway-with-two-attached-routes", "http", "Accepted",
                                          "True", "", 2),
                        ListenerCondition("gateway-with-two-attached-routes", "http",
                                          "ResolvedRefs", "True", "", 2),
                        ListenerCondition(gateway, "tls", "Programmed", "False", "", 1),
                        ListenerCondition(gateway, "tls", "ResolvedRefs", "False", "", 1),
                        RouteCondition("http-route-4", gateway, "ResolvedRefs", "False")}});
  }
  return cases;
}

}  // namespace atrium::conformance
