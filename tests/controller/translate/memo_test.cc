// TranslateMemo must never change what Translate computes: every golden case
// is translated with a memo while each of its objects is deleted and put
// back (the memo told of each change, as the reconciler tells it), and every
// result must equal a translation without a memo. The memo's own promises
// (what it replays, which virtual hosts stay the same objects) are tested on
// a small world.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "controller/translate/hostnames.h"
#include "controller/translate/httproute_spec.h"
#include "controller/translate/route_memo.h"
#include "controller/translate/translate.h"
#include "tests/controller/translate/test_support.h"

namespace atrium::translate {
namespace {

// ExpectSameAsWithoutMemo translates state with the memo and without, and
// compares everything, rendered (the rendering shows a difference readably).
void ExpectSameAsWithoutMemo(const state::ClusterState& state, const Options& options,
                             TranslateMemo& memo, const std::string& what) {
  const Result with_memo = Translate(state, options, &memo);
  const Result without = Translate(state, options);
  EXPECT_EQ(ToJson(with_memo).dump(1), ToJson(without).dump(1)) << what;
  EXPECT_TRUE(with_memo.config == without.config) << what;
  EXPECT_TRUE(with_memo.statuses == without.statuses) << what;
  EXPECT_TRUE(with_memo.problems == without.problems) << what;
}

TEST(TranslateMemoTest, EveryGoldenCaseStaysTheSameAsEachObjectComesAndGoes) {
  const std::vector<std::string> cases = testing::GoldenCaseNames();
  ASSERT_GE(cases.size(), 20u);
  size_t changes = 0;
  for (const std::string& name : cases) {
    Options options;
    options.regex_error = testing::Re2Error;
    state::ClusterState state =
        testing::LoadYaml(testing::ReadFile(testing::GoldenDir() / (name + ".in.yaml")), &options);
    TranslateMemo memo;
    ExpectSameAsWithoutMemo(state, options, memo, name + ": cold");
    ExpectSameAsWithoutMemo(state, options, memo, name + ": warm");
    const state::HttpRouteMap routes = state.http_routes;
    for (const auto& [key, route] : routes) {
      const std::string what = name + ": HTTPRoute " + key;
      state.http_routes.erase(key);
      memo.Changed(state::kHttpRoute, key, nullptr, nullptr);
      ExpectSameAsWithoutMemo(state, options, memo, what + " deleted");
      state.http_routes.emplace(key, route);
      memo.Changed(state::kHttpRoute, key, nullptr, nullptr);
      ExpectSameAsWithoutMemo(state, options, memo, what + " back");
      changes += 2;
    }
    for (std::string_view kind : state::kAllKinds) {
      if (state.MapFor(kind) == nullptr) continue;  // HTTPRoutes, above
      const state::ObjectMap objects = *state.MapFor(kind);
      for (const auto& [key, object] : objects) {
        const std::string what = name + ": " + std::string(kind) + " " + key;
        state.MapFor(kind)->erase(key);
        memo.Changed(kind, key, &object, nullptr);
        ExpectSameAsWithoutMemo(state, options, memo, what + " deleted");
        state.MapFor(kind)->emplace(key, object);
        memo.Changed(kind, key, nullptr, &object);
        ExpectSameAsWithoutMemo(state, options, memo, what + " back");
        changes += 2;
      }
    }
  }
  EXPECT_GT(changes, 200u);
}

constexpr const char* kWorld = R"(
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
metadata: {name: a, namespace: apps}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: a-1
  namespace: apps
  labels: {kubernetes.io/service-name: a}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [10.0.0.1]}]
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: apps}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: uses-a, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: [a.example.com]
  rules: [{backendRefs: [{name: a, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: uses-b, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  hostnames: [b.example.com]
  rules: [{backendRefs: [{name: b, port: 80}]}]
)";

// VirtualHostOf returns the virtual host for hostname on the first listener.
const SharedValue<ir::VirtualHost>* VirtualHostOf(const Result& result,
                                                  const std::string& hostname) {
  for (const SharedValue<ir::VirtualHost>& vhost : result.config.listeners.at(0).virtual_hosts) {
    if (vhost->hostname == hostname) return &vhost;
  }
  return nullptr;
}

TEST(TranslateMemoTest, RemembersEveryRouteAndForgetsOnlyWhatAChangeTouches) {
  Options options;
  state::ClusterState state = testing::LoadYaml(kWorld, &options);
  TranslateMemo memo;
  Translate(state, options, &memo);
  EXPECT_EQ(memo.http_routes.size(), 2u);

  // An EndpointSlice of Service a: only the route that uses a is forgotten.
  const std::string slice_key = "apps/a-1";
  memo.Changed(state::kEndpointSlice, slice_key, &state.endpoint_slices.at(slice_key),
               &state.endpoint_slices.at(slice_key));
  EXPECT_EQ(memo.http_routes.Find("apps/uses-a"), nullptr);
  EXPECT_NE(memo.http_routes.Find("apps/uses-b"), nullptr);
  Translate(state, options, &memo);

  // A slice whose label moves it from a to b touches both Services' routes.
  nlohmann::json moved = state.endpoint_slices.at(slice_key);
  moved["metadata"]["labels"]["kubernetes.io/service-name"] = "b";
  memo.Changed(state::kEndpointSlice, slice_key, &state.endpoint_slices.at(slice_key), &moved);
  EXPECT_EQ(memo.http_routes.size(), 0u);
  Translate(state, options, &memo);

  // A Service nobody uses, an Ingress: nothing is forgotten.
  memo.Changed(state::kService, "apps/unused", nullptr, nullptr);
  memo.Changed(state::kIngress, "apps/web", nullptr, nullptr);
  // A Secret reaches routes only through listener certificates, which the
  // memo compares on every pass (CheckGateways).
  memo.Changed(state::kSecret, "infra/cert", nullptr, nullptr);
  EXPECT_EQ(memo.http_routes.size(), 2u);

  // A Gateway change can touch every route.
  memo.Changed(state::kGateway, "infra/gw", nullptr, nullptr);
  EXPECT_EQ(memo.http_routes.size(), 0u);
}

TEST(TranslateMemoTest, AGatewayChangeNoEventReportedStillReachesEveryRoute) {
  // A Gateway's translation can change with nothing to report (a
  // certificate expiring): the memo compares the Gateways routes attach to
  // on every pass. Here the change is made without telling the memo.
  Options options;
  state::ClusterState state = testing::LoadYaml(kWorld, &options);
  TranslateMemo memo;
  Translate(state, options, &memo);
  state.gateways.at("infra/gw")["spec"]["listeners"][0]["hostname"] = "b.example.com";
  ExpectSameAsWithoutMemo(state, options, memo, "listener hostname changed unreported");
  const Result result = Translate(state, options, &memo);
  const nlohmann::json* status = testing::FindStatus(result, "HTTPRoute", "apps", "uses-a");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ((*status)["parents"][0]["conditions"][0]["reason"], "NoMatchingListenerHostname");
}

// StatusOf is the status document result gives the HTTPRoute apps/name.
const StatusBody* StatusOf(const Result& result, const std::string& name) {
  for (const SharedStatus& status : result.statuses) {
    if (status->kind == "HTTPRoute" && status->ns == "apps" && status->name == name) {
      return &status->status;
    }
  }
  return nullptr;
}

TEST(TranslateMemoTest, RoutesTranslatedInDifferentPassesShareOneStatusDocument) {
  Options options;
  state::ClusterState state = testing::LoadYaml(kWorld, &options);
  TranslateMemo memo;
  Translate(state, options, &memo);
  EXPECT_EQ(memo.http_routes.documents().size(), 1u);

  // uses-b translated again, alone, in a later pass: the same document.
  memo.Changed(state::kHttpRoute, "apps/uses-b", nullptr, nullptr);
  {
    const Result later = Translate(state, options, &memo);
    ASSERT_NE(StatusOf(later, "uses-a"), nullptr);
    ASSERT_NE(StatusOf(later, "uses-b"), nullptr);
    EXPECT_TRUE(StatusOf(later, "uses-a")->SameObject(*StatusOf(later, "uses-b")));
  }

  // A new generation is another document (observedGeneration differs); the
  // first stays while uses-a holds it.
  state.http_routes.at("apps/uses-b").meta.generation = 2;
  memo.Changed(state::kHttpRoute, "apps/uses-b", nullptr, nullptr);
  {
    const Result edited = Translate(state, options, &memo);
    ASSERT_NE(StatusOf(edited, "uses-a"), nullptr);
    ASSERT_NE(StatusOf(edited, "uses-b"), nullptr);
    EXPECT_FALSE(StatusOf(edited, "uses-a")->SameObject(*StatusOf(edited, "uses-b")));
    EXPECT_EQ(
        (*StatusOf(edited, "uses-b"))->at("parents")[0]["conditions"][0]["observedGeneration"], 2);
    EXPECT_EQ(memo.http_routes.documents().size(), 2u);
  }

  // Once no route holds a document (and no result of a pass still does),
  // the memo lets it go.
  state.http_routes.erase("apps/uses-a");
  memo.Changed(state::kHttpRoute, "apps/uses-a", nullptr, nullptr);
  Translate(state, options, &memo);
  EXPECT_EQ(memo.http_routes.documents().size(), 1u);
}

TEST(TranslateMemoTest, UnchangedVirtualHostsAreTheSameObjects) {
  Options options;
  state::ClusterState state = testing::LoadYaml(kWorld, &options);
  TranslateMemo memo;
  const Result first = Translate(state, options, &memo);
  const Result again = Translate(state, options, &memo);
  ASSERT_NE(VirtualHostOf(first, "a.example.com"), nullptr);
  ASSERT_NE(VirtualHostOf(again, "a.example.com"), nullptr);
  EXPECT_TRUE(
      VirtualHostOf(first, "a.example.com")->SameObject(*VirtualHostOf(again, "a.example.com")));
  EXPECT_EQ(memo.virtual_hosts.built(), 0u);

  // Route uses-b points elsewhere: its host is new, a.example.com is not.
  HttpRouteSpec& route = state.http_routes.at("apps/uses-b");
  std::get<RuleSpec>(route.rules.at(0)).backends.at(0).ref.name = "a";
  memo.Changed(state::kHttpRoute, "apps/uses-b", nullptr, nullptr);
  const Result changed = Translate(state, options, &memo);
  EXPECT_TRUE(
      VirtualHostOf(again, "a.example.com")->SameObject(*VirtualHostOf(changed, "a.example.com")));
  EXPECT_FALSE(
      VirtualHostOf(again, "b.example.com")->SameObject(*VirtualHostOf(changed, "b.example.com")));
  EXPECT_EQ(memo.virtual_hosts.built(), 1u);
  EXPECT_TRUE(changed.config == Translate(state, options).config);
  // Validation skips the shared hosts, and still finds the configuration valid.
  EXPECT_EQ(ir::Validate(changed.config, &again.config), std::vector<std::string>{});
}

// A world where hostnames overlap in every way the builder distinguishes:
// listeners with and without hostnames, exact and wildcard route hostnames,
// Ingress one-label wildcards, hostless routes.
constexpr const char* kOverlappingWorld = R"(
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
  - {name: any, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: wild, port: 80, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
  - {name: exact, port: 80, protocol: HTTP, hostname: a.b.example.com, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: atrium}
spec: {controller: atrium.dev/ingress-controller}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: apps}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-1
  namespace: apps
  labels: {kubernetes.io/service-name: svc}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [10.0.0.1]}]
)";

// A rule match is one ir::Route however many hostnames serve it: the
// virtual hosts share it instead of each holding a copy.
TEST(TranslateMemoTest, ARouteOnTwoHostnamesIsOneSharedObject) {
  Options options;
  state::ClusterState state = testing::LoadYaml(kWorld, &options);
  state.http_routes.at("apps/uses-a").hostnames = {*ParseGatewayHostname("a.example.com"),
                                                   *ParseGatewayHostname("c.example.com")};
  const Result result = Translate(state, options);
  const SharedValue<ir::VirtualHost>* a = VirtualHostOf(result, "a.example.com");
  const SharedValue<ir::VirtualHost>* c = VirtualHostOf(result, "c.example.com");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(c, nullptr);
  ASSERT_EQ((*a)->routes.size(), 1u);
  ASSERT_EQ((*c)->routes.size(), 1u);
  EXPECT_TRUE((*a)->routes[0].SameObject((*c)->routes[0]));
}

TEST(TranslateMemoTest, RandomEditsOfOverlappingHostnamesMatchAFullTranslation) {
  const std::vector<std::vector<std::string>> hostname_sets = {
      {},
      {"a.example.com"},
      {"b.example.com"},
      {"*.example.com"},
      {"*.b.example.com"},
      {"a.b.example.com"},
      {"x.other.org"},
      {"*.org", "a.example.com"},
      {"a.example.com", "a.b.example.com"}};
  const std::vector<std::string> ingress_hosts = {"a.example.com", "*.example.com",
                                                  "*.b.example.com", "x.other.org", ""};
  const std::vector<std::string> sections = {"", "any", "wild", "exact"};
  Options options;
  state::ClusterState state = testing::LoadYaml(kOverlappingWorld, &options);
  TranslateMemo memo;
  std::mt19937 random(20261202);  // fixed: a failure replays
  auto pick = [&random](size_t size) {
    return std::uniform_int_distribution<size_t>(0, size - 1)(random);
  };
  size_t incremental_passes = 0;
  for (int step = 0; step < 400; ++step) {
    const bool ingress = pick(4) == 0;
    const std::string name = (ingress ? "ing-" : "route-") + std::to_string(pick(8));
    const std::string key = "apps/" + name;
    const state::ObjectMap::const_iterator ingress_it = state.ingresses.find(key);
    const bool exists =
        ingress ? ingress_it != state.ingresses.end() : state.http_routes.contains(key);
    std::optional<nlohmann::json> before;  // HTTPRoutes are held decoded: no JSON to report
    if (ingress && exists) before = ingress_it->second;
    if (exists && pick(4) == 0) {
      if (ingress) {
        state.ingresses.erase(key);
        memo.Changed(state::kIngress, key, &*before, nullptr);
      } else {
        state.http_routes.erase(key);
        memo.Changed(state::kHttpRoute, key, nullptr, nullptr);
      }
    } else {
      nlohmann::json object;
      const std::string path = "/p" + std::to_string(pick(3));
      if (ingress) {
        nlohmann::json rule = {
            {"http",
             {{"paths",
               {{{"path", path},
                 {"pathType", "Prefix"},
                 {"backend", {{"service", {{"name", "svc"}, {"port", {{"number", 80}}}}}}}}}}}}};
        const std::string& host = ingress_hosts[pick(ingress_hosts.size())];
        if (!host.empty()) rule["host"] = host;
        object = {{"apiVersion", "networking.k8s.io/v1"},
                  {"kind", "Ingress"},
                  {"metadata",
                   {{"name", name},
                    {"namespace", "apps"},
                    {"creationTimestamp", "2026-01-01T00:00:0" + std::to_string(pick(10)) + "Z"}}},
                  {"spec", {{"ingressClassName", "atrium"}, {"rules", {rule}}}}};
      } else {
        nlohmann::json parent = {{"name", "gw"}, {"namespace", "infra"}};
        const std::string& section = sections[pick(sections.size())];
        if (!section.empty()) parent["sectionName"] = section;
        object = {{"apiVersion", "gateway.networking.k8s.io/v1"},
                  {"kind", "HTTPRoute"},
                  {"metadata",
                   {{"name", name},
                    {"namespace", "apps"},
                    {"creationTimestamp", "2026-01-01T00:00:0" + std::to_string(pick(10)) + "Z"}}},
                  {"spec",
                   {{"parentRefs", {parent}},
                    {"hostnames", hostname_sets[pick(hostname_sets.size())]},
                    {"rules",
                     {{{"matches", {{{"path", {{"type", "PathPrefix"}, {"value", path}}}}}},
                       {"backendRefs", {{{"name", "svc"}, {"port", 80}}}}}}}}}};
      }
      if (ingress) {
        state.ingresses.insert_or_assign(key, object);
        memo.Changed(state::kIngress, key, before ? &*before : nullptr, &object);
      } else {
        state.Put(state::kHttpRoute, object);
        memo.Changed(state::kHttpRoute, key, nullptr, nullptr);
      }
    }
    ExpectSameAsWithoutMemo(state, options, memo, "step " + std::to_string(step) + ": " + key);
    if (::testing::Test::HasFailure()) break;
    if (memo.virtual_hosts.reused() > 0) ++incremental_passes;
  }
  // Most passes shared virtual hosts with the one before.
  EXPECT_GT(incremental_passes, 200u);
}

}  // namespace
}  // namespace atrium::translate
