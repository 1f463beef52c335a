// The reproduced Gateway API conformance HTTPRoute cases against the test
// API server (tests/apiserver): the objects are applied to the server,
// Atrium runs in cluster mode (list/watch over HTTPS with a kubeconfig),
// and the same requests must get the same answers. The status Atrium
// writes back to the server is checked too.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/apiserver/api_server.h"
#include "tests/conformance/httproute_cases.h"

namespace atrium::conformance {
namespace {

using namespace std::chrono_literals;

// WrittenCondition tells whether the route's status on the API server has
// the condition for parent (what `kubectl get httproute -o yaml` shows).
bool WrittenCondition(const nlohmann::json* route, const ConditionCheck& check) {
  if (route == nullptr || !route->contains("status")) return false;
  for (const nlohmann::json& parent :
       (*route)["status"].value("parents", nlohmann::json::array())) {
    if (parent["parentRef"].value("name", "") != check.parent) continue;
    for (const nlohmann::json& condition : parent.value("conditions", nlohmann::json::array())) {
      if (condition.value("type", "") == check.type &&
          condition.value("status", "") == check.status &&
          condition.value("reason", "") == check.reason) {
        return true;
      }
    }
  }
  return false;
}

class HttpRouteClusterConformance : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(HttpRouteClusterConformance, Traffic) {
  const ConformanceCase& test = GetParam();
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
  for (const std::string& yaml :
       {BaseManifestsYaml(), EchoFleet::Get().ManifestsYaml(), manifests}) {
    for (const testing::ApiResult& result : api.ApplyYaml(yaml)) {
      ASSERT_LT(result.code, 300) << result.body;
    }
  }

  {
    LocalAtrium atrium;
    ASSERT_EQ(atrium.StartCluster(kubeconfig, test.with_gateways, test.extra_gateways), "");
    for (const ConditionCheck& check : test.conditions) {
      EXPECT_EQ(atrium.Check(check), "");
      EXPECT_TRUE(api.WaitFor(
          "httproutes", check.ns, check.name,
          [&](const nlohmann::json* route) { return WrittenCondition(route, check); }, 10s))
          << check.ns << "/" << check.name << " " << check.type << " was not written";
    }
    for (const Step& step : test.steps) {
      EXPECT_EQ(Verify(atrium, step), "");
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

INSTANTIATE_TEST_SUITE_P(Conformance, HttpRouteClusterConformance,
                         ::testing::ValuesIn(HttpRouteCases()), CaseName);

}  // namespace
}  // namespace atrium::conformance
