// DecodeHttpRoute: an HTTPRoute held typed, its per-object errors as data.

#include "controller/translate/httproute_spec.h"

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <string>
#include <variant>

#include "base/time_format.h"
#include "controller/state/cluster_state.h"
#include "tests/support/heap_in_use.h"

namespace atrium::translate {
namespace {

using nlohmann::json;

json Route(const std::string& name, const json& spec) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "HTTPRoute"},
          {"metadata",
           {{"name", name},
            {"namespace", "apps"},
            {"uid", "0b9f3f9e-4c1d-4d59-9d4e-" + name},
            {"resourceVersion", "41"},
            {"generation", 3},
            {"creationTimestamp", "2026-01-02T03:04:05Z"}}},
          {"spec", spec}};
}

json SimpleSpec(const std::string& host) {
  return {{"parentRefs", {{{"name", "gw"}, {"namespace", "infra"}}}},
          {"hostnames", {host}},
          {"rules",
           {{{"matches", {{{"path", {{"type", "PathPrefix"}, {"value", "/shop"}}}}}},
             {"backendRefs", {{{"name", "web"}, {"port", 8080}, {"weight", 3}}}}}}}};
}

TEST(HttpRouteSpecTest, DecodesWhatTranslateReads) {
  const HttpRouteSpec route = DecodeHttpRoute(Route("web", SimpleSpec("shop.example.com")), "x");
  EXPECT_FALSE(route.malformed);
  EXPECT_FALSE(route.rejection);
  EXPECT_EQ(route.meta.ns, "apps");
  EXPECT_EQ(route.meta.name, "web");
  EXPECT_EQ(route.meta.generation, 3);
  EXPECT_EQ(route.meta.creation_time, base::ParseTime("2026-01-02T03:04:05Z"));
  EXPECT_EQ(route.uid.str(), "0b9f3f9e-4c1d-4d59-9d4e-web");
  EXPECT_EQ(route.resource_version, "41");
  ASSERT_EQ(route.parent_refs.size(), 1u);
  EXPECT_EQ(route.parent_refs[0].group(), "gateway.networking.k8s.io");  // defaulted
  EXPECT_EQ(route.parent_refs[0].kind(), "Gateway");
  EXPECT_FALSE(route.parent_refs[0].other_kind);  // the default holds no string
  EXPECT_EQ(route.parent_refs[0].ns, "infra");
  ASSERT_EQ(route.hostnames.size(), 1u);
  EXPECT_EQ(route.hostnames[0].name, "shop.example.com");
  ASSERT_EQ(route.rules.size(), 1u);
  const RuleSpec& rule = std::get<RuleSpec>(route.rules[0]);
  ASSERT_EQ(rule.matches.size(), 1u);
  EXPECT_EQ(rule.matches[0].path.value, "/shop");
  ASSERT_EQ(rule.backends.size(), 1u);
  EXPECT_EQ(rule.backends[0].ref.ns, "apps");  // the route's namespace
  EXPECT_EQ(rule.backends[0].ref.port, 8080);
  EXPECT_EQ(rule.backends[0].weight, 3u);
  EXPECT_FALSE(rule.filters);  // none written: none held
  EXPECT_FALSE(rule.backends[0].filters);
}

// Exact and prefix values are kept in the normal form the proxy routes
// request paths by (controller/ir/path_normal_form.h).
TEST(HttpRouteSpecTest, PathValuesAreKeptInTheirNormalForm) {
  json spec = SimpleSpec("shop.example.com");
  spec["rules"][0]["matches"][0]["path"]["value"] = "/%7euser/%3a";
  const HttpRouteSpec route = DecodeHttpRoute(Route("web", spec), "x");
  ASSERT_EQ(route.rules.size(), 1u);
  const RuleSpec& rule = std::get<RuleSpec>(route.rules[0]);
  EXPECT_EQ(rule.matches[0].path.value, "/~user/%3A");
}

// Creation times order routes (the oldest wins a conflict): they are held as
// times, so that an offset is read as the instant it names, and a time that
// is not RFC 3339 counts as unknown, the oldest, as a missing one does.
TEST(HttpRouteSpecTest, CreationTimesAreInstants) {
  auto created = [](const json& timestamp) {
    json object = Route("web", SimpleSpec("shop.example.com"));
    object["metadata"]["creationTimestamp"] = timestamp;
    return DecodeHttpRoute(object, "apps/web").meta;
  };
  const ObjectMeta utc = created("2026-01-02T03:04:05Z");
  const ObjectMeta earlier_with_offset = created("2026-01-02T04:00:00+01:00");
  EXPECT_TRUE(OlderThan(earlier_with_offset, utc));  // 03:00Z; as text it sorted after
  EXPECT_EQ(created("yesterday").creation_time, kUnknownCreation);
  EXPECT_EQ(created(42).creation_time, kUnknownCreation);
  json unset = Route("web", SimpleSpec("shop.example.com"));
  unset["metadata"].erase("creationTimestamp");
  const ObjectMeta unknown = DecodeHttpRoute(unset, "apps/web").meta;
  EXPECT_EQ(unknown.creation_time, kUnknownCreation);
  EXPECT_TRUE(OlderThan(unknown, earlier_with_offset));
}

// A route's labels and annotations are read by nothing in translation and
// not held; other objects keep theirs (Namespace selectors, Ingress
// annotations read them).
TEST(HttpRouteSpecTest, LabelsAndAnnotationsAreNotHeld) {
  json object = Route("web", SimpleSpec("shop.example.com"));
  object["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "Helm"}};
  object["metadata"]["annotations"] = {{"meta.helm.sh/release-name", "shop"}};
  EXPECT_FALSE(DecodeHttpRoute(object, "apps/web").meta.tags);
  const ObjectMeta meta = ParseObjectMeta(object);
  EXPECT_EQ(meta.labels().at("app.kubernetes.io/managed-by"), "Helm");
  EXPECT_EQ(meta.annotations().at("meta.helm.sh/release-name"), "shop");
  EXPECT_TRUE(ParseObjectMeta(Route("bare", SimpleSpec("a.example.com"))).labels().empty());
  object["metadata"]["labels"] = {{"tier", 1}};  // not a string: the route is malformed
  EXPECT_TRUE(DecodeHttpRoute(object, "apps/web").malformed);
}

TEST(HttpRouteSpecTest, NoRulesIsOneRuleMatchingEverything) {
  json spec = SimpleSpec("a.example.com");
  spec.erase("rules");
  const HttpRouteSpec route = DecodeHttpRoute(Route("web", spec), "apps/web");
  ASSERT_EQ(route.rules.size(), 1u);
  const RuleSpec& rule = std::get<RuleSpec>(route.rules[0]);
  ASSERT_EQ(rule.matches.size(), 1u);
  EXPECT_EQ(rule.matches[0], ir::RouteMatch{});
  EXPECT_TRUE(rule.backends.empty());
}

TEST(HttpRouteSpecTest, ABadRuleIsKeptAsItsErrorBesideTheGoodOnes) {
  json spec = SimpleSpec("a.example.com");
  spec["rules"].push_back({{"matches", {{{"method", "BREW"}}}}});
  spec["rules"].push_back({{"matches", "not-a-list"}});
  spec["rules"].push_back({{"backendRefs", {{{"name", "web"}}}}});  // a Service needs a port
  const HttpRouteSpec route = DecodeHttpRoute(Route("web", spec), "apps/web");
  ASSERT_EQ(route.rules.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<RuleSpec>(route.rules[0]));
  const auto* method = std::get_if<RuleError>(&route.rules[1]);
  ASSERT_NE(method, nullptr);
  EXPECT_EQ(method->reason, "UnsupportedValue");
  EXPECT_NE(method->message.find("spec.rules[1].matches[0].method"), std::string::npos)
      << method->message;
  const auto* type = std::get_if<RuleError>(&route.rules[2]);
  ASSERT_NE(type, nullptr);
  EXPECT_NE(type->message.find("spec.rules[2].matches"), std::string::npos) << type->message;
  const auto* port = std::get_if<RuleError>(&route.rules[3]);
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->message, "spec.rules[3].backendRefs[0].port: required for a Service");
}

TEST(HttpRouteSpecTest, AnotherKindOfBackendNeedsNoPortAndIsLeftToResolve) {
  json spec = SimpleSpec("a.example.com");
  spec["rules"][0]["backendRefs"] = {{{"group", "example.com"}, {"kind", "Bucket"}, {"name", "b"}}};
  const HttpRouteSpec route = DecodeHttpRoute(Route("web", spec), "apps/web");
  const RuleSpec& rule = std::get<RuleSpec>(route.rules.at(0));
  ASSERT_EQ(rule.backends.size(), 1u);
  EXPECT_FALSE(rule.backends[0].ref.IsService());
  EXPECT_EQ(rule.backends[0].ref.group(), "example.com");
  EXPECT_EQ(rule.backends[0].ref.kind(), "Bucket");
  EXPECT_EQ(rule.backends[0].ref.port, std::nullopt);
}

// The defaults hold no strings; any other group or kind is kept as written,
// and a Service written with its defaults spelled out is the default.
TEST(HttpRouteSpecTest, ReferenceKindsOtherThanTheDefaultAreKept) {
  json spec = SimpleSpec("a.example.com");
  spec["parentRefs"] = {
      {{"group", "gateway.networking.k8s.io"}, {"kind", "ListenerSet"}, {"name", "ls"}},
      {{"group", ""}, {"kind", "Service"}, {"name", "mesh"}, {"port", 80}},
      {{"group", "gateway.networking.k8s.io"}, {"kind", "Gateway"}, {"name", "gw"}}};
  spec["rules"][0]["backendRefs"] = {
      {{"group", ""}, {"kind", "Service"}, {"name", "web"}, {"port", 8080}}};
  const HttpRouteSpec route = DecodeHttpRoute(Route("web", spec), "apps/web");
  ASSERT_EQ(route.parent_refs.size(), 3u);
  EXPECT_FALSE(route.parent_refs[0].IsGateway());
  EXPECT_EQ(route.parent_refs[0].kind(), "ListenerSet");
  EXPECT_EQ(route.parent_refs[0].Echo()["kind"], "ListenerSet");
  EXPECT_FALSE(route.parent_refs[1].IsGateway());
  EXPECT_EQ(route.parent_refs[1].group(), "");
  EXPECT_EQ(route.parent_refs[1].Echo()["group"], "");
  EXPECT_TRUE(route.parent_refs[2].IsGateway());
  EXPECT_FALSE(route.parent_refs[0].SameAsWritten(route.parent_refs[2]));
  const RuleSpec& rule = std::get<RuleSpec>(route.rules.at(0));
  EXPECT_TRUE(rule.backends.at(0).ref.IsService());
  EXPECT_FALSE(rule.backends.at(0).ref.other_kind);
}

TEST(HttpRouteSpecTest, RegexesAreRecordedNotJudged) {
  json spec = SimpleSpec("a.example.com");
  spec["rules"][0]["matches"] = {
      {{"path", {{"type", "RegularExpression"}, {"value", "/(unclosed"}}},
       {"headers", {{{"type", "RegularExpression"}, {"name", "x-v"}, {"value", "[a-"}}}}}};
  const HttpRouteSpec route = DecodeHttpRoute(Route("web", spec), "apps/web");
  const RuleSpec& rule = std::get<RuleSpec>(route.rules.at(0));
  ASSERT_EQ(rule.regexes.size(), 2u);
  EXPECT_EQ(rule.regexes[0].path, "spec.rules[0].matches[0].path.value");
  EXPECT_EQ(rule.regexes[0].pattern, "/(unclosed");
  EXPECT_EQ(rule.regexes[1].path, "spec.rules[0].matches[0].headers[0].value");
}

TEST(HttpRouteSpecTest, MirrorsAndExtensionRefsKeepTheirWrittenOrder) {
  json spec = SimpleSpec("a.example.com");
  spec["rules"][0]["filters"] = {
      {{"type", "ExtensionRef"},
       {"extensionRef", {{"group", "example.com"}, {"kind", "Auth"}, {"name", "a"}}}},
      {{"type", "RequestMirror"},
       {"requestMirror", {{"backendRef", {{"name", "shadow"}, {"port", 80}}}, {"percent", 10}}}}};
  const HttpRouteSpec route = DecodeHttpRoute(Route("web", spec), "apps/web");
  ASSERT_TRUE(std::get<RuleSpec>(route.rules.at(0)).filters);
  const FiltersSpec& filters = *std::get<RuleSpec>(route.rules.at(0)).filters;
  EXPECT_TRUE(filters.unresolved_extension);
  ASSERT_EQ(filters.references.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<RefIssue>(filters.references[0]));
  EXPECT_EQ(std::get<RefIssue>(filters.references[0]).reason, "InvalidKind");
  const MirrorSpec& mirror = std::get<MirrorSpec>(filters.references[1]);
  EXPECT_EQ(mirror.ref.name, "shadow");
  EXPECT_EQ(mirror.path, "spec.rules[0].filters[1].requestMirror.backendRef");
  EXPECT_EQ(mirror.numerator, 10u);
  EXPECT_TRUE(filters.filters.mirrors.empty());  // resolved per pass
}

TEST(HttpRouteSpecTest, UnreadableHostnamesRejectTheRoute) {
  json spec = SimpleSpec("Not_A_Host");
  const HttpRouteSpec route = DecodeHttpRoute(Route("web", spec), "apps/web");
  EXPECT_FALSE(route.malformed);
  ASSERT_TRUE(route.rejection);
  EXPECT_EQ(route.rejection->reason, "UnsupportedValue");
  EXPECT_NE(route.rejection->message.find("spec.hostnames[0]"), std::string::npos);
  EXPECT_TRUE(route.rules.empty());
  EXPECT_EQ(route.parent_refs.size(), 1u);  // its parents still report the rejection
}

TEST(HttpRouteSpecTest, UnreadableMetadataOrParentRefsMakeItMalformed) {
  const HttpRouteSpec no_object = DecodeHttpRoute(json::array(), "apps/odd");
  ASSERT_TRUE(no_object.malformed);
  EXPECT_EQ(no_object.meta.ns, "apps");  // from the key
  EXPECT_EQ(no_object.meta.name, "odd");

  json spec = SimpleSpec("a.example.com");
  spec["parentRefs"] = {{{"name", 7}}};
  const HttpRouteSpec bad_parent = DecodeHttpRoute(Route("web", spec), "apps/web");
  ASSERT_TRUE(bad_parent.malformed);
  EXPECT_NE(bad_parent.malformed->find("spec.parentRefs[0]"), std::string::npos)
      << *bad_parent.malformed;
  EXPECT_TRUE(bad_parent.parent_refs.empty());
  EXPECT_TRUE(bad_parent.rules.empty());
}

// Our own status writes come back through the watch with a new
// resourceVersion and nothing else changed: no rebuild.
TEST(HttpRouteSpecTest, SameContentIgnoresOnlyTheResourceVersion) {
  json object = Route("web", SimpleSpec("a.example.com"));
  const HttpRouteSpec before = DecodeHttpRoute(object, "apps/web");
  object["metadata"]["resourceVersion"] = "42";
  object["status"] = {{"parents", json::array()}};
  const HttpRouteSpec echo = DecodeHttpRoute(object, "apps/web");
  EXPECT_NE(before, echo);
  EXPECT_TRUE(SameContent(before, echo));
  object["spec"]["rules"][0]["backendRefs"][0]["weight"] = 4;
  EXPECT_FALSE(SameContent(before, DecodeHttpRoute(object, "apps/web")));
  object["spec"]["rules"][0]["backendRefs"][0]["weight"] = 3;
  object["metadata"]["generation"] = 4;
  EXPECT_FALSE(SameContent(before, DecodeHttpRoute(object, "apps/web")));
}

using ::atrium::testing::HeapInUse;

// The reason routes are held decoded: a stored route costs well under its
// JSON tree (measured with glibc: 1,376 bytes against 3,950 for this route).
TEST(HttpRouteSpecTest, AStoredRouteCostsFarLessThanItsJson) {
  constexpr int kRoutes = 1000;
  std::map<std::string, json> objects;
  for (int i = 0; i < kRoutes; ++i) {
    const std::string name = "r" + std::to_string(i);
    json object = Route(name, SimpleSpec(name + ".apps.example.com"));
    objects.emplace("apps/" + name, std::move(object));
  }
  size_t json_bytes = 0;
  size_t decoded_bytes = 0;
  {
    const size_t before = HeapInUse();
    state::ObjectMap as_json(objects.begin(), objects.end());
    json_bytes = HeapInUse() - before;
  }
  {
    const size_t before = HeapInUse();
    state::ClusterState decoded;
    for (const auto& [key, object] : objects) decoded.Put(state::kHttpRoute, object);
    decoded_bytes = HeapInUse() - before;
    ASSERT_EQ(decoded.http_routes.size(), static_cast<size_t>(kRoutes));
  }
  std::cout << "per route: JSON " << json_bytes / kRoutes << " bytes, decoded "
            << decoded_bytes / kRoutes << " bytes\n";
  EXPECT_LT(decoded_bytes * 2, json_bytes);  // under half
}

}  // namespace
}  // namespace atrium::translate
