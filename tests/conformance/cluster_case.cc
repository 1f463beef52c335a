#include "tests/conformance/cluster_case.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

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
      std::string written;
      EXPECT_TRUE(api.WaitFor(
          Resource(check.kind), check.ns, check.name,
          [&](const nlohmann::json* object) {
            written = MatchCondition(
                object == nullptr ? nlohmann::json() : object->value("status", nlohmann::json()),
                check);
            return written.empty();
          },
          10s))
          << "not written: " << written;
    }
    for (const Step& step : test.steps) {
      EXPECT_EQ(Verify(atrium, step), "");
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace atrium::conformance
