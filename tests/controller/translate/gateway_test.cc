// GatewayClass and Gateway semantics: listener isolation, conflicts,
// allowedRoutes, TLS certificates, addresses and shared sockets.

#include <gtest/gtest.h>

#include "controller/translate/translate.h"
#include "tests/controller/translate/test_support.h"

namespace atrium::translate {
namespace {

using testing::FindCondition;
using testing::FindStatus;
using testing::LoadYaml;
using testing::Request;
using testing::ServedName;

constexpr const char* kClass = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: atrium}
spec: {controllerName: atrium.dev/gateway-controller}
---
)";

// A syntactically valid PEM pair; translate checks structure only.
constexpr const char* kTlsSecret = R"(
apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: infra}
type: kubernetes.io/tls
stringData:
  tls.crt: |
    -----BEGIN CERTIFICATE-----
    MIIBfake
    -----END CERTIFICATE-----
  tls.key: |
    -----BEGIN PRIVATE KEY-----
    MIIEfake
    -----END PRIVATE KEY-----
---
)";

Result TranslateYaml(const std::string& yaml, Options options = {}) {
  return Translate(LoadYaml(std::string(kClass) + yaml, &options), options);
}

const nlohmann::json& Listener(const Result& result, const std::string& gateway,
                               const std::string& listener, const std::string& ns = "infra") {
  static const nlohmann::json kNull;
  const nlohmann::json* status = FindStatus(result, "Gateway", ns, gateway);
  if (status == nullptr) return kNull;
  for (const nlohmann::json& item : (*status)["listeners"]) {
    if (item["name"] == listener) return item;
  }
  return kNull;
}

// ConditionOf returns "Status/Reason" of a condition, "" when absent.
std::string ConditionOf(const nlohmann::json& conditions, const std::string& type) {
  const nlohmann::json* condition = FindCondition(conditions, type);
  if (condition == nullptr) return "";
  return (*condition)["status"].get<std::string>() + "/" +
         (*condition)["reason"].get<std::string>();
}

std::string RouteAccepted(const Result& result, const std::string& route, size_t parent = 0,
                          const std::string& ns = "infra") {
  const nlohmann::json* status = FindStatus(result, "HTTPRoute", ns, route);
  if (status == nullptr || parent >= (*status)["parents"].size()) return "no status";
  return ConditionOf((*status)["parents"][parent]["conditions"], "Accepted");
}

std::string Serve(const Result& result, const std::string& host, const std::string& path,
                  uint16_t bind_port = 8080) {
  Request request;
  request.bind_port = bind_port;
  request.host = host;
  request.path = path;
  return ServedName(result.config, request);
}

// The manifests of the GatewayHTTPListenerIsolation conformance tests.
constexpr const char* kIsolationGateway = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: isolation, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: empty-hostname, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: wildcard-example-com, port: 80, protocol: HTTP, hostname: "*.example.com",
     allowedRoutes: {namespaces: {from: All}}}
  - {name: wildcard-foo-example-com, port: 80, protocol: HTTP, hostname: "*.foo.example.com",
     allowedRoutes: {namespaces: {from: All}}}
  - {name: abc-foo-example-com, port: 80, protocol: HTTP, hostname: "abc.foo.example.com",
     allowedRoutes: {namespaces: {from: All}}}
)";

std::string IsolationRoute(const std::string& listener, const std::string& hostnames) {
  return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " +
         listener +
         ", namespace: infra}\nspec:\n  parentRefs: [{name: isolation, sectionName: " + listener +
         "}]\n" + hostnames + "  rules:\n  - matches: [{path: {type: PathPrefix, value: /" +
         listener + "}}]\n    backendRefs: [{name: backend, port: 8080}]\n";
}

void ExpectIsolation(const Result& result) {
  const std::string all[] = {"empty-hostname", "wildcard-example-com", "wildcard-foo-example-com",
                             "abc-foo-example-com"};
  // host -> the only listener whose routes serve it.
  const std::pair<std::string, std::string> hosts[] = {
      {"bar.com", "empty-hostname"},
      {"example.com", "empty-hostname"},
      {"bar.example.com", "wildcard-example-com"},
      {"foo.bar.example.com", "wildcard-example-com"},
      {"foo.example.com", "wildcard-example-com"},
      {"bar.foo.example.com", "wildcard-foo-example-com"},
      {"x.y.foo.example.com", "wildcard-foo-example-com"},
      {"abc.foo.example.com", "abc-foo-example-com"},
  };
  for (const auto& [host, owner] : hosts) {
    for (const std::string& listener : all) {
      std::string expected = listener == owner ? "httproute/infra/" + listener + "/rule/0" : "404";
      EXPECT_EQ(Serve(result, host, "/" + listener), expected) << host << " /" << listener;
    }
  }
}

TEST(GatewayTest, ListenerIsolation) {
  std::string yaml = kIsolationGateway;
  for (const char* listener : {"empty-hostname", "wildcard-example-com", "wildcard-foo-example-com",
                               "abc-foo-example-com"}) {
    yaml += IsolationRoute(listener, "");
  }
  Result result = TranslateYaml(yaml);
  ExpectIsolation(result);
  EXPECT_EQ(Listener(result, "isolation", "abc-foo-example-com")["attachedRoutes"], 1);
}

TEST(GatewayTest, ListenerIsolationWithHostnameIntersection) {
  const std::string hostnames =
      "  hostnames: [bar.com, \"*.example.com\", \"*.foo.example.com\", abc.foo.example.com]\n";
  std::string yaml = kIsolationGateway;
  for (const char* listener : {"empty-hostname", "wildcard-example-com", "wildcard-foo-example-com",
                               "abc-foo-example-com"}) {
    yaml += IsolationRoute(listener, hostnames);
  }
  Result result = TranslateYaml(yaml);
  // bar.com is only in the empty-hostname listener's intersection; the
  // others match the isolation table of the hostless variant.
  EXPECT_EQ(Serve(result, "bar.com", "/empty-hostname"), "httproute/infra/empty-hostname/rule/0");
  EXPECT_EQ(Serve(result, "bar.com", "/wildcard-example-com"), "404");
  EXPECT_EQ(Serve(result, "baz.com", "/empty-hostname"), "404");
  EXPECT_EQ(Serve(result, "foo.example.com", "/wildcard-example-com"),
            "httproute/infra/wildcard-example-com/rule/0");
  EXPECT_EQ(Serve(result, "foo.example.com", "/empty-hostname"), "404");
  EXPECT_EQ(Serve(result, "foo.foo.example.com", "/wildcard-foo-example-com"),
            "httproute/infra/wildcard-foo-example-com/rule/0");
  EXPECT_EQ(Serve(result, "foo.foo.example.com", "/wildcard-example-com"), "404");
  EXPECT_EQ(Serve(result, "abc.foo.example.com", "/abc-foo-example-com"),
            "httproute/infra/abc-foo-example-com/rule/0");
  EXPECT_EQ(Serve(result, "abc.foo.example.com", "/empty-hostname"), "404");
  EXPECT_EQ(Serve(result, "abc.foo.example.com", "/wildcard-foo-example-com"), "404");
  for (const char* route : {"empty-hostname", "wildcard-example-com", "wildcard-foo-example-com",
                            "abc-foo-example-com"}) {
    EXPECT_EQ(RouteAccepted(result, route), "True/Accepted") << route;
  }
}

TEST(GatewayTest, GatewayClassStatus) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: other}
spec: {controllerName: example.com/other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: with-params, generation: 3}
spec:
  controllerName: atrium.dev/gateway-controller
  parametersRef: {group: example.com, kind: Config, name: x}
)");
  const nlohmann::json* ours = FindStatus(result, "GatewayClass", "", "atrium");
  ASSERT_NE(ours, nullptr);
  EXPECT_EQ(ConditionOf((*ours)["conditions"], "Accepted"), "True/Accepted");
  ASSERT_TRUE((*ours)["supportedFeatures"].is_array());
  std::vector<std::string> features;
  for (const auto& feature : (*ours)["supportedFeatures"]) features.push_back(feature["name"]);
  EXPECT_TRUE(std::is_sorted(features.begin(), features.end()));
  EXPECT_NE(std::find(features.begin(), features.end(), "HTTPRoute"), features.end());
  EXPECT_EQ(FindStatus(result, "GatewayClass", "", "other"), nullptr);
  const nlohmann::json* params = FindStatus(result, "GatewayClass", "", "with-params");
  ASSERT_NE(params, nullptr);
  EXPECT_EQ(ConditionOf((*params)["conditions"], "Accepted"), "False/InvalidParameters");
  EXPECT_EQ((*params)["conditions"][0]["observedGeneration"], 3);
  EXPECT_FALSE((*params)["conditions"][0].contains("lastTransitionTime"));
}

TEST(GatewayTest, ConflictsWithinAGatewayAreNotServed) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: a, port: 80, protocol: HTTP, hostname: same.example.com}
  - {name: b, port: 80, protocol: HTTP, hostname: same.example.com}
  - {name: c, port: 80, protocol: HTTP, hostname: other.example.com}
  - {name: d, port: 8443, protocol: HTTP}
  - {name: e, port: 8443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
  - {name: f, port: 9000, protocol: TCP}
---
)" + std::string(kTlsSecret));
  for (const char* name : {"a", "b"}) {
    const nlohmann::json& listener = Listener(result, "gw", name);
    EXPECT_EQ(ConditionOf(listener["conditions"], "Conflicted"), "True/HostnameConflict") << name;
    // As GatewayListenerProtocolAndRouteKindConflicts expects.
    EXPECT_EQ(ConditionOf(listener["conditions"], "Accepted"), "False/Invalid") << name;
    EXPECT_EQ(ConditionOf(listener["conditions"], "Programmed"), "False/Invalid") << name;
  }
  for (const char* name : {"d", "e"}) {
    EXPECT_EQ(ConditionOf(Listener(result, "gw", name)["conditions"], "Conflicted"),
              "True/ProtocolConflict")
        << name;
  }
  EXPECT_EQ(ConditionOf(Listener(result, "gw", "c")["conditions"], "Conflicted"),
            "False/NoConflicts");
  EXPECT_EQ(ConditionOf(Listener(result, "gw", "c")["conditions"], "Programmed"),
            "True/Programmed");
  EXPECT_EQ(ConditionOf(Listener(result, "gw", "f")["conditions"], "Accepted"),
            "False/UnsupportedProtocol");
  EXPECT_EQ(Listener(result, "gw", "f")["supportedKinds"], nlohmann::json::array());
  const nlohmann::json* gateway = FindStatus(result, "Gateway", "infra", "gw");
  ASSERT_NE(gateway, nullptr);
  EXPECT_EQ(ConditionOf((*gateway)["conditions"], "Accepted"), "True/ListenersNotValid");
  EXPECT_EQ(ConditionOf((*gateway)["conditions"], "Programmed"), "True/Programmed");
  // Only listener c made it to the data plane: one socket, one host.
  ASSERT_EQ(result.config.listeners.size(), 1u);
  ASSERT_EQ(result.config.listeners[0].virtual_hosts.size(), 1u);
  EXPECT_EQ(result.config.listeners[0].virtual_hosts[0]->hostname, "other.example.com");
}

TEST(GatewayTest, SocketsAcrossGateways) {
  Options options;
  options.port_offset = 8000;  // 80 binds 8080, which collides with a listener on 8080
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: old, namespace: infra, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: new, namespace: infra, creationTimestamp: "2024-02-01T00:00:00Z"}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: port-8080, port: 8080, protocol: HTTP}
  - {name: http-b, port: 80, protocol: HTTP, hostname: b.example.com}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: newest, namespace: infra, creationTimestamp: "2024-03-01T00:00:00Z"}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: https-on-80, port: 80, protocol: HTTPS, hostname: a.example.com,
     tls: {certificateRefs: [{name: cert}]}}
---
)" + std::string(kTlsSecret),
                                options);
  EXPECT_EQ(ConditionOf(Listener(result, "newest", "https-on-80")["conditions"], "Conflicted"),
            "True/ProtocolConflict");
  EXPECT_EQ(ConditionOf(Listener(result, "newest", "https-on-80")["conditions"], "Accepted"),
            "False/Invalid");
  EXPECT_EQ(ConditionOf(Listener(result, "new", "port-8080")["conditions"], "Accepted"),
            "False/PortUnavailable");
  EXPECT_EQ(ConditionOf(Listener(result, "new", "http-b")["conditions"], "Programmed"),
            "True/Programmed");
  EXPECT_EQ(ConditionOf(Listener(result, "old", "http")["conditions"], "Programmed"),
            "True/Programmed");
  ASSERT_EQ(result.config.listeners.size(), 1u);
  EXPECT_EQ(result.config.listeners[0].port, 80);
  EXPECT_EQ(result.config.listeners[0].bind_port, 8080);
  // Both Gateways' hostnames are served on the shared socket.
  ASSERT_EQ(result.config.listeners[0].virtual_hosts.size(), 2u);
  EXPECT_EQ(result.config.listeners[0].virtual_hosts[0]->hostname, "");
  EXPECT_EQ(result.config.listeners[0].virtual_hosts[1]->hostname, "b.example.com");
}

TEST(GatewayTest, AllowedRoutesNamespacesAndKinds) {
  Result result = TranslateYaml(R"(
apiVersion: v1
kind: Namespace
metadata: {name: team-a, labels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-b, labels: {team: b}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: same, port: 80, protocol: HTTP, hostname: same.example.com}
  - {name: all, port: 80, protocol: HTTP, hostname: all.example.com,
     allowedRoutes: {namespaces: {from: All}}}
  - name: selector
    port: 80
    protocol: HTTP
    hostname: selector.example.com
    allowedRoutes:
      namespaces:
        from: Selector
        selector: {matchExpressions: [{key: team, operator: In, values: [a]}]}
  - name: kinds
    port: 80
    protocol: HTTP
    hostname: kinds.example.com
    allowedRoutes:
      namespaces: {from: All}
      kinds: [{kind: HTTPRoute}, {kind: GRPCRoute}]
  - name: no-kinds
    port: 80
    protocol: HTTP
    hostname: nokinds.example.com
    allowedRoutes:
      namespaces: {from: All}
      kinds: [{kind: TCPRoute}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: team-a}
spec:
  parentRefs:
  - {name: gw, namespace: infra, sectionName: same}
  - {name: gw, namespace: infra, sectionName: all}
  - {name: gw, namespace: infra, sectionName: selector}
  - {name: gw, namespace: infra, sectionName: kinds}
  - {name: gw, namespace: infra, sectionName: no-kinds}
  rules: [{backendRefs: [{name: backend, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: team-b}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: selector}]
  rules: [{backendRefs: [{name: backend, port: 8080}]}]
)");
  EXPECT_EQ(RouteAccepted(result, "r", 0, "team-a"), "False/NotAllowedByListeners");
  EXPECT_EQ(RouteAccepted(result, "r", 1, "team-a"), "True/Accepted");
  EXPECT_EQ(RouteAccepted(result, "r", 2, "team-a"), "True/Accepted");
  EXPECT_EQ(RouteAccepted(result, "r", 3, "team-a"), "True/Accepted");
  EXPECT_EQ(RouteAccepted(result, "r", 4, "team-a"), "False/NotAllowedByListeners");
  EXPECT_EQ(RouteAccepted(result, "r", 0, "team-b"), "False/NotAllowedByListeners");
  const nlohmann::json& kinds = Listener(result, "gw", "kinds");
  EXPECT_EQ(ConditionOf(kinds["conditions"], "ResolvedRefs"), "False/InvalidRouteKinds");
  EXPECT_EQ(kinds["supportedKinds"],
            nlohmann::json::parse(R"([{"group":"gateway.networking.k8s.io","kind":"HTTPRoute"}])"));
  EXPECT_EQ(Listener(result, "gw", "no-kinds")["supportedKinds"], nlohmann::json::array());
  EXPECT_EQ(Listener(result, "gw", "same")["attachedRoutes"], 0);
  EXPECT_EQ(Listener(result, "gw", "all")["attachedRoutes"], 1);
  EXPECT_EQ(Listener(result, "gw", "selector")["attachedRoutes"], 1);
  EXPECT_EQ(Serve(result, "all.example.com", "/"), "httproute/team-a/r/rule/0");
  EXPECT_EQ(Serve(result, "same.example.com", "/"), "404");
}

TEST(GatewayTest, HttpsCertificateReferences) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: ok, port: 443, protocol: HTTPS, hostname: ok.example.com,
     tls: {certificateRefs: [{name: cert}]}}
  - {name: cross-granted, port: 443, protocol: HTTPS, hostname: granted.example.com,
     tls: {certificateRefs: [{name: shared, namespace: certs}]}}
  - {name: cross-denied, port: 443, protocol: HTTPS, hostname: denied.example.com,
     tls: {certificateRefs: [{name: private, namespace: certs}]}}
  - {name: missing, port: 443, protocol: HTTPS, hostname: missing.example.com,
     tls: {certificateRefs: [{name: nope}]}}
  - {name: malformed, port: 443, protocol: HTTPS, hostname: malformed.example.com,
     tls: {certificateRefs: [{name: malformed}]}}
  - {name: wrong-kind, port: 443, protocol: HTTPS, hostname: kind.example.com,
     tls: {certificateRefs: [{kind: ConfigMap, name: cert}]}}
---
apiVersion: v1
kind: Secret
metadata: {name: malformed, namespace: infra}
type: kubernetes.io/tls
data: {tls.crt: SGVsbG8gd29ybGQK, tls.key: SGVsbG8gd29ybGQK}
---
apiVersion: v1
kind: Secret
metadata: {name: shared, namespace: certs}
type: kubernetes.io/tls
data:
  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUUKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo=
---
apiVersion: v1
kind: Secret
metadata: {name: private, namespace: certs}
type: kubernetes.io/tls
data:
  tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
  tls.key: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUUKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo=
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-shared, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
  to: [{group: "", kind: Secret, name: shared}]
---
)" + std::string(kTlsSecret));
  const std::pair<std::string, std::string> expected[] = {
      {"ok", "True/ResolvedRefs"},
      {"cross-granted", "True/ResolvedRefs"},
      {"cross-denied", "False/RefNotPermitted"},
      {"missing", "False/InvalidCertificateRef"},
      {"malformed", "False/InvalidCertificateRef"},
      {"wrong-kind", "False/InvalidCertificateRef"},
  };
  for (const auto& [listener, condition] : expected) {
    const nlohmann::json& status = Listener(result, "gw", listener);
    EXPECT_EQ(ConditionOf(status["conditions"], "ResolvedRefs"), condition) << listener;
    bool good = condition == "True/ResolvedRefs";
    EXPECT_EQ(ConditionOf(status["conditions"], "Programmed"),
              good ? "True/Programmed" : "False/Invalid")
        << listener;
  }
  ASSERT_EQ(result.config.listeners.size(), 1u);
  const ir::Listener& listener = result.config.listeners[0];
  EXPECT_TRUE(listener.tls);
  EXPECT_EQ(listener.port, 443);
  EXPECT_EQ(listener.bind_port, 8443);
  ASSERT_EQ(listener.certificates.size(), 2u);
  EXPECT_EQ(listener.certificates[0].hostnames, std::vector<std::string>{"ok.example.com"});
  EXPECT_EQ(listener.certificates[1].hostnames, std::vector<std::string>{"granted.example.com"});
  EXPECT_NE(listener.certificates[1].private_key_pem.find("PRIVATE KEY"), std::string::npos);
  // Private keys never reach the JSON rendering.
  EXPECT_EQ(ToJson(result).dump().find("PRIVATE KEY"), std::string::npos);
}

TEST(GatewayTest, CertificateCheckIsInjected) {
  Options options;
  options.certificate_error = [](const std::string&, const std::string&) {
    return std::string("certificate has expired");
  };
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
---
)" + std::string(kTlsSecret),
                                options);
  const nlohmann::json& status = Listener(result, "gw", "https");
  EXPECT_EQ(ConditionOf(status["conditions"], "ResolvedRefs"), "False/InvalidCertificateRef");
  EXPECT_NE(FindCondition(status["conditions"], "ResolvedRefs")
                ->at("message")
                .get<std::string>()
                .find("expired"),
            std::string::npos);
  EXPECT_TRUE(result.config.listeners.empty());
}

TEST(GatewayTest, SpecAddressesGetTheirOwnSockets) {
  Options options;
  options.publish_addresses = {"198.51.100.1"};
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: pinned, namespace: infra}
spec:
  gatewayClassName: atrium
  addresses: [{value: 127.0.0.2}, {type: IPAddress, value: "::1"}]
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shared, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: named, namespace: infra}
spec:
  gatewayClassName: atrium
  addresses: [{type: Hostname, value: lb.example.com}]
  listeners: [{name: http, port: 80, protocol: HTTP}]
)",
                                options);
  std::vector<std::string> addresses;
  for (const ir::Listener& listener : result.config.listeners) {
    addresses.push_back(listener.address);
  }
  EXPECT_EQ(addresses, (std::vector<std::string>{"", "127.0.0.2", "::1"}));
  EXPECT_EQ((*FindStatus(result, "Gateway", "infra", "pinned"))["addresses"],
            nlohmann::json::parse(R"([{"type":"IPAddress","value":"127.0.0.2"},
                                      {"type":"IPAddress","value":"::1"}])"));
  EXPECT_EQ((*FindStatus(result, "Gateway", "infra", "shared"))["addresses"],
            nlohmann::json::parse(R"([{"type":"IPAddress","value":"198.51.100.1"}])"));
  const nlohmann::json* named = FindStatus(result, "Gateway", "infra", "named");
  EXPECT_EQ(ConditionOf((*named)["conditions"], "Accepted"), "False/UnsupportedAddress");
  EXPECT_EQ(ConditionOf((*named)["conditions"], "Programmed"), "False/Invalid");
}

TEST(GatewayTest, IngressSharesPort80WithGateways) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: shop, port: 80, protocol: HTTP, hostname: shop.example.com,
     allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: catch-all, namespace: infra}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules: [{matches: [{path: {value: /gw}}], backendRefs: [{name: backend, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: infra}
spec:
  parentRefs: [{name: gw, sectionName: shop}]
  rules: [{matches: [{path: {value: /cart}}], backendRefs: [{name: backend, port: 8080}]}]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: atrium}
spec: {controller: atrium.dev/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: legacy, namespace: apps}
spec:
  ingressClassName: atrium
  rules:
  - host: shop.example.com
    http: {paths: [{path: /legacy, pathType: Prefix, backend: {service: {name: old, port: {number: 80}}}}]}
  - host: blog.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: blog, port: {number: 80}}}}]}
  - http: {paths: [{path: /ingress, pathType: Prefix, backend: {service: {name: any, port: {number: 80}}}}]}
)");
  ASSERT_EQ(result.config.listeners.size(), 1u);
  // Same hostname: the Gateway listener's and the Ingress rule's routes merge.
  EXPECT_EQ(Serve(result, "shop.example.com", "/cart"), "httproute/infra/shop/rule/0");
  EXPECT_EQ(Serve(result, "shop.example.com", "/legacy"), "ingress/apps/legacy");
  EXPECT_EQ(Serve(result, "shop.example.com", "/gw"), "404");
  // The Ingress host is more specific than the hostless Gateway listener.
  EXPECT_EQ(Serve(result, "blog.example.com", "/gw"), "ingress/apps/legacy");
  // Hostless on both sides: merged.
  EXPECT_EQ(Serve(result, "other.example.com", "/gw"), "httproute/infra/catch-all/rule/0");
  EXPECT_EQ(Serve(result, "other.example.com", "/ingress"), "ingress/apps/legacy");
}

TEST(GatewayTest, HttpsGatewayOnPort80KeepsItFromIngress) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: https, port: 80, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: atrium}
spec: {controller: atrium.dev/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: infra}
spec:
  ingressClassName: atrium
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
)" + std::string(kTlsSecret));
  ASSERT_EQ(result.config.listeners.size(), 1u);
  EXPECT_TRUE(result.config.listeners[0].tls);
  bool reported = false;
  for (const Problem& problem : result.problems) {
    reported = reported || (problem.kind == "Ingress" &&
                            problem.reason.find("not served") != std::string::npos);
  }
  EXPECT_TRUE(reported);
}

TEST(GatewayTest, HttpGatewayOnPort443KeepsItFromIngressTls) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners: [{name: plain, port: 443, protocol: HTTP}]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: atrium}
spec: {controller: atrium.dev/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: infra}
spec:
  ingressClassName: atrium
  tls: [{hosts: [web.example.com], secretName: cert}]
  rules:
  - host: web.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
)" + std::string(kTlsSecret));
  // Port 80 still serves the Ingress; 443 stays the Gateway's plain HTTP.
  ASSERT_EQ(result.config.listeners.size(), 2u);
  EXPECT_EQ(result.config.listeners[0].port, 80);
  EXPECT_EQ(result.config.listeners[1].port, 443);
  EXPECT_FALSE(result.config.listeners[1].tls);
  EXPECT_EQ(Serve(result, "web.example.com", "/"), "ingress/infra/web");
  EXPECT_EQ(Serve(result, "web.example.com", "/", 8443), "404");
  bool reported = false;
  for (const Problem& problem : result.problems) {
    reported = reported || problem.reason.find("not served on port 443") != std::string::npos;
  }
  EXPECT_TRUE(reported);
}

}  // namespace
}  // namespace atrium::translate
