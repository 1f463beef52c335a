// Ingress semantics, checked through the reference matcher: which backend a
// request reaches, per the Kubernetes Ingress documentation.

#include <gtest/gtest.h>

#include "controller/state/object_strip.h"
#include "controller/translate/translate.h"
#include "tests/controller/translate/test_support.h"

namespace atrium::translate {
namespace {

using testing::LoadYaml;
using testing::Request;
using testing::Served;

struct PathSpec {
  std::string type;
  std::string path;
  std::string service;
};

nlohmann::json IngressClass(const std::string& name, const std::string& controller,
                            bool is_default = false) {
  nlohmann::json object{{"apiVersion", "networking.k8s.io/v1"},
                        {"kind", "IngressClass"},
                        {"metadata", {{"name", name}}},
                        {"spec", {{"controller", controller}}}};
  if (is_default) {
    object["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] = "true";
  }
  return object;
}

nlohmann::json Backend(const std::string& service, int port = 80) {
  return {{"service", {{"name", service}, {"port", {{"number", port}}}}}};
}

nlohmann::json Ingress(const std::string& name, const std::string& host,
                       const std::vector<PathSpec>& paths, const std::string& timestamp = "",
                       const std::string& default_service = "") {
  nlohmann::json http_paths = nlohmann::json::array();
  for (const PathSpec& p : paths) {
    http_paths.push_back({{"pathType", p.type}, {"path", p.path}, {"backend", Backend(p.service)}});
  }
  nlohmann::json rule{{"http", {{"paths", http_paths}}}};
  if (!host.empty()) rule["host"] = host;
  nlohmann::json object{
      {"apiVersion", "networking.k8s.io/v1"},
      {"kind", "Ingress"},
      {"metadata", {{"name", name}, {"namespace", "default"}}},
      {"spec", {{"ingressClassName", "atrium"}, {"rules", nlohmann::json::array({rule})}}}};
  if (!timestamp.empty()) object["metadata"]["creationTimestamp"] = timestamp;
  if (!default_service.empty()) object["spec"]["defaultBackend"] = Backend(default_service);
  return object;
}

state::ClusterState StateWith(const std::vector<nlohmann::json>& ingresses) {
  state::ClusterState state;
  state.ingress_classes["atrium"] = IngressClass("atrium", kIngressControllerName);
  for (const nlohmann::json& ingress : ingresses) {
    state.ingresses[state::ObjectKey(ingress)] = ingress;
  }
  return state;
}

// ServedBackend names the backend service that serves path on host, or "404".
std::string ServedBackend(const Result& result, const std::string& path,
                          const std::string& host = "example.com") {
  Request request;
  request.host = host;
  request.path = path;
  const ir::Route* route = Served(result.config, request);
  if (route == nullptr) return "404";
  if (route->backends.empty()) return "no backend";
  std::string name = route->backends[0].name;  // "default/<service>:80"
  return name.substr(name.find('/') + 1, name.find(':') - name.find('/') - 1);
}

// The "Examples" table of https://kubernetes.io/docs/concepts/services-networking/ingress/
TEST(IngressTest, PathExamplesTableOfTheKubernetesDocs) {
  struct Case {
    std::vector<PathSpec> paths;
    std::string request;
    std::string expected;  // service, or "default" (the default backend)
  };
  const std::vector<Case> cases = {
      {{{"Prefix", "/", "root"}}, "/anything/at/all", "root"},
      {{{"Exact", "/foo", "foo"}}, "/foo", "foo"},
      {{{"Exact", "/foo", "foo"}}, "/bar", "default"},
      {{{"Exact", "/foo", "foo"}}, "/foo/", "default"},
      {{{"Exact", "/foo/", "foo"}}, "/foo", "default"},
      {{{"Prefix", "/foo", "foo"}}, "/foo", "foo"},
      {{{"Prefix", "/foo", "foo"}}, "/foo/", "foo"},
      {{{"Prefix", "/foo/", "foo"}}, "/foo", "foo"},
      {{{"Prefix", "/foo/", "foo"}}, "/foo/", "foo"},
      {{{"Prefix", "/aaa/bb", "bb"}}, "/aaa/bbb", "default"},
      {{{"Prefix", "/aaa/bbb", "bbb"}}, "/aaa/bbb", "bbb"},
      {{{"Prefix", "/aaa/bbb/", "bbb"}}, "/aaa/bbb", "bbb"},
      {{{"Prefix", "/aaa/bbb", "bbb"}}, "/aaa/bbb/", "bbb"},
      {{{"Prefix", "/aaa/bbb", "bbb"}}, "/aaa/bbb/ccc", "bbb"},
      {{{"Prefix", "/aaa/bbb", "bbb"}}, "/aaa/bbbxyz", "default"},
      {{{"Prefix", "/", "root"}, {"Prefix", "/aaa", "aaa"}}, "/aaa/ccc", "aaa"},
      {{{"Prefix", "/", "root"}, {"Prefix", "/aaa", "aaa"}, {"Prefix", "/aaa/bbb", "bbb"}},
       "/aaa/bbb",
       "bbb"},
      {{{"Prefix", "/", "root"}, {"Prefix", "/aaa", "aaa"}, {"Prefix", "/aaa/bbb", "bbb"}},
       "/ccc",
       "root"},
      {{{"Prefix", "/aaa", "aaa"}}, "/ccc", "default"},
      {{{"Prefix", "/foo", "prefix"}, {"Exact", "/foo", "exact"}}, "/foo", "exact"},
      {{{"Exact", "/foo", "exact"}, {"Prefix", "/foo", "prefix"}}, "/foo", "exact"},
      {{{"ImplementationSpecific", "/foo", "impl"}}, "/foo/bar", "impl"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    // Listed in both orders: precedence must not depend on the written order.
    for (bool reversed : {false, true}) {
      std::vector<PathSpec> paths = c.paths;
      if (reversed) std::reverse(paths.begin(), paths.end());
      Result result =
          Translate(StateWith({Ingress("paths", "example.com", paths, "", "default")}), Options{});
      EXPECT_EQ(ServedBackend(result, c.request), c.expected)
          << "case " << i << " request " << c.request << (reversed ? " (reversed)" : "");
    }
  }
}

TEST(IngressTest, WildcardHostMatchesExactlyOneLabel) {
  Result result =
      Translate(StateWith({Ingress("wild", "*.foo.com", {{"Prefix", "/", "wild"}}),
                           Ingress("exact", "bar.foo.com", {{"Prefix", "/", "exact"}})}),
                Options{});
  EXPECT_EQ(ServedBackend(result, "/", "baz.foo.com"), "wild");
  EXPECT_EQ(ServedBackend(result, "/", "bar.foo.com"), "exact");
  EXPECT_EQ(ServedBackend(result, "/", "Bar.Foo.com:8080"), "exact");
  EXPECT_EQ(ServedBackend(result, "/", "a.baz.foo.com"), "404");
  EXPECT_EQ(ServedBackend(result, "/", "foo.com"), "404");
}

TEST(IngressTest, HostRulesAreIsolatedButDefaultBackendCatchesTheRest) {
  Result result = Translate(
      StateWith({Ingress("a", "a.example.com", {{"Prefix", "/api", "api"}}, "", "fallback"),
                 Ingress("b", "", {{"Prefix", "/shared", "shared"}})}),
      Options{});
  EXPECT_EQ(ServedBackend(result, "/api/v1", "a.example.com"), "api");
  // A host rule owns its host: hostless rules do not apply to it.
  EXPECT_EQ(ServedBackend(result, "/shared", "a.example.com"), "fallback");
  EXPECT_EQ(ServedBackend(result, "/other", "a.example.com"), "fallback");
  EXPECT_EQ(ServedBackend(result, "/shared", "other.example.com"), "shared");
  EXPECT_EQ(ServedBackend(result, "/other", "other.example.com"), "fallback");
}

TEST(IngressTest, ConflictingPathsGoToTheOldestIngress) {
  struct Case {
    std::string first_name, first_ts, second_name, second_ts, winner;
  };
  const Case cases[] = {
      {"older", "2024-01-01T00:00:00Z", "newer", "2024-06-01T00:00:00Z", "older"},
      {"newer", "2024-06-01T00:00:00Z", "older", "2024-01-01T00:00:00Z", "older"},
      // Same age: namespace/name decides.
      {"bbb", "2024-01-01T00:00:00Z", "aaa", "2024-01-01T00:00:00Z", "aaa"},
  };
  for (const Case& c : cases) {
    Result result = Translate(
        StateWith(
            {Ingress(c.first_name, "example.com", {{"Prefix", "/app/", c.first_name}}, c.first_ts),
             Ingress(c.second_name, "example.com", {{"Prefix", "/app", c.second_name}},
                     c.second_ts)}),
        Options{});
    EXPECT_EQ(ServedBackend(result, "/app/x"), c.winner);
    std::string loser = c.winner == c.first_name ? c.second_name : c.first_name;
    bool reported = false;
    for (const Problem& problem : result.problems) {
      reported = reported || (problem.name == loser &&
                              problem.reason.find("already served by Ingress default/" +
                                                  c.winner) != std::string::npos);
    }
    EXPECT_TRUE(reported) << "no conflict problem for " << loser;
    // The loser's route is left out entirely, not just shadowed.
    size_t routes = 0;
    for (const auto& vhost : result.config.listeners.at(0).virtual_hosts) {
      routes += vhost->routes.size();
    }
    EXPECT_EQ(routes, 1u);
  }
}

TEST(IngressTest, ClassResolution) {
  struct Case {
    std::string what;
    nlohmann::json spec_class;  // null: unset
    std::string legacy_annotation;
    std::vector<nlohmann::json> classes;
    bool ours;
  };
  const nlohmann::json unset;
  const std::vector<Case> cases = {
      {"spec.ingressClassName ours",
       "atrium",
       "",
       {IngressClass("atrium", kIngressControllerName)},
       true},
      {"spec.ingressClassName other",
       "nginx",
       "",
       {IngressClass("atrium", kIngressControllerName), IngressClass("nginx", "k8s.io/nginx")},
       false},
      {"class that does not exist",
       "missing",
       "",
       {IngressClass("atrium", kIngressControllerName)},
       false},
      {"legacy annotation ours",
       unset,
       "atrium",
       {IngressClass("atrium", kIngressControllerName)},
       true},
      {"legacy annotation other",
       unset,
       "nginx",
       {IngressClass("atrium", kIngressControllerName)},
       false},
      {"spec wins over annotation",
       "atrium",
       "nginx",
       {IngressClass("atrium", kIngressControllerName)},
       true},
      {"default class ours",
       unset,
       "",
       {IngressClass("atrium", kIngressControllerName, true)},
       true},
      {"default class other",
       unset,
       "",
       {IngressClass("atrium", kIngressControllerName),
        IngressClass("nginx", "k8s.io/nginx", true)},
       false},
      {"no default class", unset, "", {IngressClass("atrium", kIngressControllerName)}, false},
      {"two default classes",
       unset,
       "",
       {IngressClass("atrium", kIngressControllerName, true),
        IngressClass("nginx", "k8s.io/nginx", true)},
       false},
  };
  for (const Case& c : cases) {
    state::ClusterState state;
    for (const nlohmann::json& ingress_class : c.classes) {
      state.ingress_classes[ingress_class["metadata"]["name"]] = ingress_class;
    }
    nlohmann::json ingress = Ingress("web", "", {{"Prefix", "/", "web"}});
    ingress["spec"].erase("ingressClassName");
    if (!c.spec_class.is_null()) ingress["spec"]["ingressClassName"] = c.spec_class;
    if (!c.legacy_annotation.empty()) {
      ingress["metadata"]["annotations"]["kubernetes.io/ingress.class"] = c.legacy_annotation;
    }
    state.ingresses["default/web"] = ingress;
    Result result = Translate(state, Options{});
    EXPECT_EQ(testing::FindStatus(result, "Ingress", "default", "web") != nullptr, c.ours)
        << c.what;
    EXPECT_EQ(ServedBackend(result, "/"), c.ours ? "web" : "404") << c.what;
  }
}

TEST(IngressTest, ServicePortByNameOrNumberResolvesEndpointSlicePorts) {
  state::ClusterState state = LoadYaml(R"(
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: atrium}
spec: {controller: atrium.dev/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: atrium
  rules:
  - http:
      paths:
      - {path: /by-name, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
      - {path: /by-number, pathType: Prefix, backend: {service: {name: web, port: {number: 8443}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports:
  - {name: http, port: 80, targetPort: http-alt}
  - {name: admin, port: 8443, targetPort: 9443}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: shop
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports:
- {name: http, port: 8080}
- {name: admin, port: 9443}
endpoints:
- addresses: [10.0.0.2]
  conditions: {ready: true}
- addresses: [10.0.0.1]
- addresses: [10.0.0.3]
  conditions: {ready: false}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: other
  namespace: shop
  labels: {kubernetes.io/service-name: other}
addressType: IPv4
ports: [{name: http, port: 7000}]
endpoints: [{addresses: [10.9.9.9]}]
)");
  Result result = Translate(state, Options{});
  Request request;
  request.path = "/by-name";
  const ir::Route* by_name = Served(result.config, request);
  ASSERT_NE(by_name, nullptr);
  ASSERT_EQ(by_name->backends.size(), 1u);
  EXPECT_EQ(by_name->backends[0].name, "shop/web:80");
  EXPECT_EQ(by_name->backends[0].endpoints,
            (std::vector<ir::Endpoint>{{"10.0.0.1", 8080, true}, {"10.0.0.2", 8080, true}}));
  request.path = "/by-number";
  const ir::Route* by_number = Served(result.config, request);
  ASSERT_NE(by_number, nullptr);
  EXPECT_EQ(by_number->backends[0].name, "shop/web:8443");
  EXPECT_EQ(by_number->backends[0].endpoints,
            (std::vector<ir::Endpoint>{{"10.0.0.1", 9443, true}, {"10.0.0.2", 9443, true}}));
  EXPECT_TRUE(result.problems.empty());
}

// The stored world keeps EndpointSlices stripped (state::StripObject), which
// coalesces the ready addresses of well-typed endpoints into one endpoint:
// translate must resolve the same endpoints, and report the same problems,
// from the stripped slices as from the slices as written.
TEST(IngressTest, StrippedEndpointSlicesResolveAsWritten) {
  const state::ClusterState written = LoadYaml(R"(
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: atrium}
spec: {controller: atrium.dev/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: atrium
  rules:
  - http:
      paths:
      - {path: /web, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /odd, pathType: Prefix, backend: {service: {name: odd, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: odd, namespace: shop}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: shop
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- addresses: [10.0.0.5]
  conditions: {ready: true, serving: true}
  nodeName: node-a
- addresses: [10.0.0.1, 10.0.0.9]
- addresses: [10.0.0.3]
  conditions: {ready: false}
- addresses: [not-an-ip, 10.0.0.2]
  conditions: {serving: false}
- addresses: []
- conditions: {ready: true}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: odd-abc
  namespace: shop
  labels: {kubernetes.io/service-name: odd}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- addresses: [10.1.0.1]
- addresses: [10.1.0.2]
  conditions: {ready: "yes"}
)");
  state::ClusterState stored = written;
  for (auto& [key, slice] : stored.endpoint_slices) {
    state::StripObject(state::kEndpointSlice, slice);
  }
  EXPECT_EQ(stored.endpoint_slices.at("shop/web-abc")["endpoints"].size(), 1u);
  EXPECT_EQ(stored.endpoint_slices.at("shop/odd-abc")["endpoints"].size(), 2u);

  const Result from_written = Translate(written, Options{});
  const Result from_stored = Translate(stored, Options{});
  for (const char* path : {"/web", "/odd"}) {
    Request request;
    request.path = path;
    const ir::Route* expected = Served(from_written.config, request);
    const ir::Route* actual = Served(from_stored.config, request);
    ASSERT_NE(expected, nullptr) << path;
    ASSERT_NE(actual, nullptr) << path;
    ASSERT_EQ(actual->backends.size(), 1u) << path;
    EXPECT_EQ(actual->backends[0].endpoints, expected->backends[0].endpoints) << path;
  }
  Request web;
  web.path = "/web";
  EXPECT_EQ(Served(from_stored.config, web)->backends[0].endpoints,
            (std::vector<ir::Endpoint>{{"10.0.0.1", 8080, true},
                                       {"10.0.0.2", 8080, true},
                                       {"10.0.0.5", 8080, true},
                                       {"10.0.0.9", 8080, true}}));
  ASSERT_EQ(from_stored.problems.size(), from_written.problems.size());
  for (size_t i = 0; i < from_stored.problems.size(); ++i) {
    EXPECT_EQ(from_stored.problems[i].reason, from_written.problems[i].reason);
  }
  EXPECT_FALSE(from_stored.problems.empty());  // not-an-ip, and the malformed ready
}

TEST(IngressTest, ResourceBackendIsRejectedAndOtherPathsServe) {
  state::ClusterState state = StateWith({Ingress("web", "", {{"Prefix", "/ok", "ok"}})});
  nlohmann::json& paths = state.ingresses["default/web"]["spec"]["rules"][0]["http"]["paths"];
  paths.push_back(
      {{"path", "/bucket"},
       {"pathType", "Prefix"},
       {"backend",
        {{"resource",
          {{"apiGroup", "k8s.example.com"}, {"kind", "Bucket"}, {"name", "static"}}}}}});
  Result result = Translate(state, Options{});
  EXPECT_EQ(ServedBackend(result, "/ok"), "ok");
  EXPECT_EQ(ServedBackend(result, "/bucket"), "404");
  ASSERT_EQ(result.problems.size(), 2u);  // the resource backend, and the missing Service "ok"
  bool resource_reported = false;
  for (const Problem& problem : result.problems) {
    resource_reported =
        resource_reported ||
        problem.reason.find("resource backends are not supported") != std::string::npos;
  }
  EXPECT_TRUE(resource_reported);
}

// The proxy routes by the normal form of a request's path
// (controller/ir/path_normal_form.h): paths are kept in that form, or they
// could never match. A path with a malformed escape matches nothing: it is
// reported and left out.
TEST(IngressTest, PathsAreKeptInTheirNormalForm) {
  Result result = Translate(StateWith({Ingress("web", "example.com",
                                               {{"Exact", "/a//b/./c", "dots"},
                                                {"Prefix", "/%7euser", "user"},
                                                {"Prefix", "/bad%zz", "bad"}},
                                               "", "default")}),
                            Options{});
  EXPECT_EQ(ServedBackend(result, "/a/b/c"), "dots");
  EXPECT_EQ(ServedBackend(result, "/~user/page"), "user");
  EXPECT_EQ(ServedBackend(result, "/bad%zz"), "default");
  bool reported = false;
  for (const Problem& problem : result.problems) {
    reported = reported || problem.reason.find("invalid percent-encoding") != std::string::npos;
  }
  EXPECT_TRUE(reported);
}

TEST(IngressTest, StatusPublishesAddresses) {
  Options options;
  options.publish_addresses = {"203.0.113.7", "lb.example.com", "2001:db8::1"};
  Result result = Translate(StateWith({Ingress("web", "", {{"Prefix", "/", "web"}})}), options);
  const nlohmann::json* status = testing::FindStatus(result, "Ingress", "default", "web");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(*status, nlohmann::json::parse(R"({"loadBalancer": {"ingress": [
      {"ip": "203.0.113.7"}, {"hostname": "lb.example.com"}, {"ip": "2001:db8::1"}]}})"));
}

TEST(IngressTest, BindsPort80PlusOffset) {
  Options options;
  options.port_offset = 10000;
  Result result = Translate(StateWith({Ingress("web", "", {{"Prefix", "/", "web"}})}), options);
  ASSERT_EQ(result.config.listeners.size(), 1u);
  EXPECT_EQ(result.config.listeners[0].port, 80);
  EXPECT_EQ(result.config.listeners[0].bind_port, 10080);
  EXPECT_FALSE(result.config.listeners[0].tls);
}

}  // namespace
}  // namespace atrium::translate
