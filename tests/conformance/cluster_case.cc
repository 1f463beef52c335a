#include "tests/conformance/cluster_case.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "controller/manifests/yaml_json.h"
#include "tests/apiserver/api_server.h"

namespace atrium::conformance {
namespace {

using namespace std::chrono_literals;

// Resource is the API resource (plural) of a kind the cases check.
std::string Resource(const std::string& kind) {
  if (kind == "Gateway") return "gateways";
  if (kind == "GatewayClass") return "gatewayclasses";
  return "httproutes";
}

// Apply creates every object of yaml on the server; "" or the first error.
std::string Apply(testing::ApiServer& api, const std::string& yaml) {
  for (const testing::ApiResult& result : api.ApplyYaml(yaml)) {
    if (result.code >= 300) return result.body;
  }
  return "";
}

// ReplaceSpecs updates every object of yaml on the server with yaml's spec
// (an update, not an apply: a listener left out of the spec is removed, as
// the suite's merge patch of a whole listener list removes it).
std::string ReplaceSpecs(testing::ApiServer& api, const std::string& yaml) {
  manifests::YamlParseResult parsed = manifests::ParseYamlDocuments(yaml);
  if (!parsed.error.empty()) return parsed.error;
  for (const manifests::YamlDocument& document : parsed.documents) {
    if (!document.object.is_object()) continue;
    const std::string kind = document.object.value("kind", "");
    const nlohmann::json& meta = document.object["metadata"];
    const std::string ns = meta.value("namespace", "");
    const std::string name = meta.value("name", "");
    std::optional<nlohmann::json> stored = api.Get(kind, ns, name);
    if (!stored) return "no " + kind + " " + ns + "/" + name + " to change";
    (*stored)["spec"] = document.object["spec"];
    testing::ApiResult result = api.Update(*stored);
    if (result.code >= 300) return result.body.dump();
  }
  return "";
}

// StaleCondition returns "" when every condition of object (its own, its
// listeners' and its parents') has observedGeneration equal to its
// generation, and there is at least one; else what is stale.
std::string StaleCondition(const nlohmann::json& object) {
  const int64_t generation = object["metadata"].value("generation", int64_t{-1});
  const nlohmann::json status = object.value("status", nlohmann::json::object());
  std::vector<const nlohmann::json*> lists;
  if (status.contains("conditions")) lists.push_back(&status["conditions"]);
  for (const char* nested : {"listeners", "parents"}) {
    if (!status.contains(nested)) continue;
    for (const nlohmann::json& entry : status[nested]) {
      if (entry.contains("conditions")) lists.push_back(&entry["conditions"]);
    }
  }
  size_t seen = 0;
  for (const nlohmann::json* conditions : lists) {
    for (const nlohmann::json& condition : *conditions) {
      ++seen;
      if (condition.value("observedGeneration", int64_t{-2}) != generation) {
        return "generation " + std::to_string(generation) + ", condition " + condition.dump();
      }
    }
  }
  return seen == 0 ? "no conditions" : "";
}

// WaitForLatest waits until object's conditions all observe a generation
// above after_generation; "" or what was seen last.
std::string WaitForLatest(testing::ApiServer& api, const ObjectRef& ref, int64_t after_generation) {
  std::string stale = "absent";
  api.WaitFor(
      Resource(ref.kind), ref.ns, ref.name,
      [&](const nlohmann::json* object) {
        if (object == nullptr) return false;
        const int64_t generation = (*object)["metadata"].value("generation", int64_t{0});
        stale = generation <= after_generation
                    ? "generation " + std::to_string(generation) + " did not go up"
                    : StaleCondition(*object);
        return stale.empty();
      },
      10s);
  return stale.empty() ? "" : ref.kind + " " + ref.ns + "/" + ref.name + ": " + stale;
}

// WaitWritten waits until the status the server holds has check.
std::string WaitWritten(testing::ApiServer& api, const ConditionCheck& check) {
  std::string written;
  api.WaitFor(
      Resource(check.kind), check.ns, check.name,
      [&](const nlohmann::json* object) {
        written = MatchCondition(
            object == nullptr ? nlohmann::json() : object->value("status", nlohmann::json()),
            check);
        return written.empty();
      },
      10s);
  return written;
}

// RunChange makes one mid-case change, then waits for what it expects.
void RunChange(testing::ApiServer& api, const LocalAtrium& atrium, const ObjectChange& change) {
  SCOPED_TRACE(change.description);
  std::map<std::string, int64_t> before;  // generation of each `latest` object
  for (const ObjectRef& ref : change.latest) {
    // The suite's sanity check: the status is current before the change.
    EXPECT_EQ(WaitForLatest(api, ref, 0), "");
    std::optional<nlohmann::json> object = api.Get(ref.kind, ref.ns, ref.name);
    before[ref.kind + "/" + ref.name] =
        object ? (*object)["metadata"].value("generation", int64_t{0}) : 0;
  }
  ASSERT_EQ(ReplaceSpecs(api, change.replace_specs), "");
  for (const ObjectRef& ref : change.deletes) {
    const testing::ApiResult result = api.Delete(ref.kind, ref.ns, ref.name);
    ASSERT_LT(result.code, 300) << result.body.dump();
  }
  for (const ConditionCheck& check : change.conditions) {
    EXPECT_EQ(WaitWritten(api, check), "");
  }
  for (const ObjectRef& ref : change.latest) {
    EXPECT_EQ(WaitForLatest(api, ref, before[ref.kind + "/" + ref.name]), "");
  }
  for (const Step& step : change.steps) {
    // The data plane follows the status within the same deadline.
    std::string mismatch;
    WaitFor([&] { return (mismatch = Verify(atrium, step)).empty(); }, 10s);
    EXPECT_EQ(mismatch, "");
  }
  if (change.steps.empty()) return;
  // A written condition the change leaves as it was holds before Atrium has
  // seen the change; once the traffic shows the change, the status Atrium
  // computed with that table must hold the conditions too.
  for (const ConditionCheck& check : change.conditions) {
    std::string mismatch;
    WaitFor([&] { return (mismatch = atrium.Check(check)).empty(); }, 5s);
    EXPECT_EQ(mismatch, "") << "after the traffic changed";
    EXPECT_EQ(WaitWritten(api, check), "") << "not written after the traffic changed";
  }
}

}  // namespace

void RunClusterCase(const ConformanceCase& test) {
  testing::ApiServer api;
  ASSERT_TRUE(api.Start()) << api.error();
  char pattern[] = "/tmp/atrium-conformance-kube-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  const std::string kubeconfig = dir + "/kubeconfig";
  ASSERT_TRUE(api.WriteKubeconfig(kubeconfig));

  std::string error;
  const std::string manifests = ExpandPorts(test.manifests, &error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(Apply(api, test.with_gateways ? BaseManifestsYaml() : BaseNamespacesYaml()), "");
  ASSERT_EQ(Apply(api, EchoFleet::Get().ManifestsYaml()), "");
  ASSERT_EQ(Apply(api, manifests), "");
  if (!test.later_manifests.empty()) {
    // The server stamps creationTimestamp with whole seconds: wait for the
    // next second so the later objects are younger.
    const std::time_t created = std::time(nullptr);
    ASSERT_TRUE(WaitFor([&] { return std::time(nullptr) > created; }, 3s));
    ASSERT_EQ(Apply(api, ExpandPorts(test.later_manifests, &error)), "");
  }

  {
    LocalAtrium atrium;
    ASSERT_EQ(atrium.StartCluster(kubeconfig, test.with_gateways, test.extra_gateways), "");
    for (const ConditionCheck& check : test.conditions) {
      // What Atrium computed, then what it wrote (what `kubectl get -o yaml`
      // shows).
      std::string mismatch;
      WaitFor([&] { return (mismatch = atrium.Check(check)).empty(); }, 5s);
      EXPECT_EQ(mismatch, "");
      EXPECT_EQ(WaitWritten(api, check), "") << "not written";
    }
    for (const Step& step : test.steps) {
      EXPECT_EQ(Verify(atrium, step), "");
    }
    for (const ObjectChange& change : test.changes) RunChange(api, atrium, change);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace atrium::conformance
