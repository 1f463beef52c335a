#include "tests/apiserver/patch.h"

#include <gtest/gtest.h>

namespace atrium::testing {
namespace {

using nlohmann::json;

const std::map<std::string, std::string> kServiceKeys = {{"spec.ports", "port"}};

json Service() {
  return json::parse(R"({
    "metadata": {"name": "api", "labels": {"app": "api", "tier": "web"}, "finalizers": ["a"]},
    "spec": {"selector": {"app": "api"},
             "ports": [{"name": "http", "port": 80, "targetPort": 8080},
                       {"name": "https", "port": 443, "targetPort": 8443}]}})");
}

TEST(PatchTest, ContentTypesMapToPatchTypes) {
  EXPECT_EQ(PatchTypeFromContentType("application/merge-patch+json"), PatchType::kMerge);
  EXPECT_EQ(PatchTypeFromContentType("application/json-patch+json; charset=utf-8"),
            PatchType::kJson);
  EXPECT_EQ(PatchTypeFromContentType("application/strategic-merge-patch+json"),
            PatchType::kStrategicMerge);
  EXPECT_EQ(PatchTypeFromContentType("application/apply-patch+yaml"), PatchType::kApply);
  EXPECT_FALSE(PatchTypeFromContentType("application/json"));
}

TEST(PatchTest, JsonPatchAppliesAndReportsFailedTests) {
  json target = Service();
  std::string error;
  ASSERT_TRUE(ApplyJsonPatch(
      json::parse(R"([{"op":"replace","path":"/spec/ports/0/targetPort","value":9090}])"), &target,
      &error))
      << error;
  EXPECT_EQ(target["spec"]["ports"][0]["targetPort"], 9090);
  EXPECT_FALSE(ApplyJsonPatch(json::parse(R"([{"op":"test","path":"/metadata/name","value":"x"}])"),
                              &target, &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(ApplyJsonPatch(json::object(), &target, &error));
}

TEST(StrategicMergePatchTest, MergesListsByTheirMergeKey) {
  json target = Service();
  std::string error;
  // What kubectl sends when one port's targetPort changes.
  json patch = json::parse(R"({"spec": {"$setElementOrder/ports": [{"port": 80}, {"port": 443}],
                                        "ports": [{"port": 80, "targetPort": 9090}]}})");
  ASSERT_TRUE(ApplyStrategicMergePatch(patch, kServiceKeys, &target, &error)) << error;
  ASSERT_EQ(target["spec"]["ports"].size(), 2u);
  EXPECT_EQ(target["spec"]["ports"][0],
            json::parse(R"({"name": "http", "port": 80, "targetPort": 9090})"));
  EXPECT_EQ(target["spec"]["ports"][1]["targetPort"], 8443);
}

TEST(StrategicMergePatchTest, DeleteDirectivesRemoveElementsAndKeys) {
  json target = Service();
  std::string error;
  json patch = json::parse(R"({
    "metadata": {"labels": {"tier": null}, "$deleteFromPrimitiveList/finalizers": ["a"]},
    "spec": {"ports": [{"port": 443, "$patch": "delete"}]}})");
  ASSERT_TRUE(ApplyStrategicMergePatch(patch, kServiceKeys, &target, &error)) << error;
  EXPECT_EQ(target["metadata"]["labels"], json({{"app", "api"}}));
  EXPECT_EQ(target["metadata"]["finalizers"], json::array());
  ASSERT_EQ(target["spec"]["ports"].size(), 1u);
  EXPECT_EQ(target["spec"]["ports"][0]["port"], 80);
}

TEST(StrategicMergePatchTest, ReplaceAndRetainKeysDirectives) {
  json target = Service();
  std::string error;
  json patch = json::parse(R"({"spec": {"selector": {"$patch": "replace", "role": "db"},
                                        "$retainKeys": ["selector"]}})");
  ASSERT_TRUE(ApplyStrategicMergePatch(patch, kServiceKeys, &target, &error)) << error;
  EXPECT_EQ(target["spec"], json::parse(R"({"selector": {"role": "db"}})"));
}

TEST(StrategicMergePatchTest, ListsWithoutAKeyAreReplacedAndFinalizersMergeAsASet) {
  json target = json::parse(R"({"metadata": {"finalizers": ["a"]},
                                "spec": {"rules": [{"host": "a"}, {"host": "b"}]}})");
  std::string error;
  json patch = json::parse(R"({"metadata": {"finalizers": ["b", "a"]},
                               "spec": {"rules": [{"host": "c"}]}})");
  ASSERT_TRUE(ApplyStrategicMergePatch(patch, {}, &target, &error)) << error;
  EXPECT_EQ(target["metadata"]["finalizers"], json({"a", "b"}));
  EXPECT_EQ(target["spec"]["rules"], json::parse(R"([{"host": "c"}])"));
}

TEST(ApplyConfigurationTest, RemovesWhatTheManagerNoLongerApplies) {
  json current = json::parse(R"({
    "metadata": {"name": "r", "labels": {"a": "1", "b": "2", "other": "x"}},
    "spec": {"hostnames": ["h"], "rules": [{"x": 1}]},
    "status": {"parents": []}})");
  json last = json::parse(R"({"metadata": {"name": "r", "labels": {"a": "1", "b": "2"}},
                              "spec": {"hostnames": ["h"], "rules": [{"x": 1}]}})");
  json applied = json::parse(R"({"metadata": {"name": "r", "labels": {"a": "3"}},
                                 "spec": {"rules": [{"x": 2}]}})");
  json merged = ApplyConfiguration(current, last, applied);
  // b and hostnames were this manager's and are gone; "other" belongs to
  // someone else and stays, as does the status.
  EXPECT_EQ(merged["metadata"]["labels"], json({{"a", "3"}, {"other", "x"}}));
  EXPECT_FALSE(merged["spec"].contains("hostnames"));
  EXPECT_EQ(merged["spec"]["rules"], json::parse(R"([{"x": 2}])"));
  EXPECT_TRUE(merged.contains("status"));
}

TEST(ApplyConfigurationTest, FirstApplyIsAMerge) {
  json merged = ApplyConfiguration(json::parse(R"({"spec": {"a": 1, "b": 2}})"), nullptr,
                                   json::parse(R"({"spec": {"a": 5}})"));
  EXPECT_EQ(merged["spec"], json::parse(R"({"a": 5, "b": 2})"));
}

}  // namespace
}  // namespace atrium::testing
