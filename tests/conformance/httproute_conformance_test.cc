// HTTPRoute traffic through a real Atrium in --manifests mode, reproducing
// the Gateway API conformance suite's HTTPRoute tests and its Gateway tests
// that need an HTTPS listener
// (kubernetes-sigs/gateway-api conformance/tests/httproute-*.yaml and .go):
// the same objects, requests and expectations, on loopback.

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/conformance/httproute_cases.h"
#include "tests/conformance/https_cases.h"
#include "tests/conformance/port8080_cases.h"
#include "tests/conformance/retry_cases.h"

namespace atrium::conformance {
namespace {

constexpr char kV1[] = "infra-backend-v1";
constexpr char kV2[] = "infra-backend-v2";
constexpr char kV3[] = "infra-backend-v3";

class HttpRouteConformance : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(HttpRouteConformance, Traffic) { RunCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Conformance, HttpRouteConformance, ::testing::ValuesIn(HttpRouteCases()),
                         CaseName);

// The cases that need an HTTPS listener (TLS terminated by Atrium).
INSTANTIATE_TEST_SUITE_P(Https, HttpRouteConformance, ::testing::ValuesIn(HttpsCases()), CaseName);

INSTANTIATE_TEST_SUITE_P(Retry, HttpRouteConformance, ::testing::ValuesIn(RetryCases()), CaseName);

// The cases with a Gateway listener on port 8080 (feature GatewayPort8080).
INSTANTIATE_TEST_SUITE_P(Port8080, HttpRouteConformance, ::testing::ValuesIn(Port8080Cases()),
                         CaseName);

// HTTPRouteWeight: the share of each backend over many requests (the
// conformance suite sends 500 and allows 10% either way; weight 0 never).
TEST(HttpRouteWeight, Distribution) {
  std::vector<ConformanceCase> cases = HttpRouteCases();
  auto found = std::find_if(cases.begin(), cases.end(),
                            [](const ConformanceCase& c) { return c.name == "HTTPRouteWeight"; });
  ASSERT_NE(found, cases.end());
  LocalAtrium atrium;
  ASSERT_EQ(atrium.Start(found->manifests), "");
  std::map<std::string, int> answered;
  const int total = 300;
  for (int i = 0; i < total; ++i) {
    HttpResponse response = atrium.Send({.path = "/"});
    ASSERT_EQ(response.status, 200) << response.error << response.body;
    ASSERT_TRUE(response.echo);
    const std::string pod = response.echo->value("pod", "");
    answered[pod.substr(0, pod.find("-7c9d"))]++;
  }
  EXPECT_EQ(answered[kV3], 0);
  EXPECT_NEAR(answered[kV1], total * 0.7, total * 0.1);
  EXPECT_NEAR(answered[kV2], total * 0.3, total * 0.1);
}

// HTTPRouteRequestPercentageMirror: percent 20 mirrors about a fifth of the
// requests (bounds wide enough for 200 draws); the main response is always
// served.
TEST(HttpRouteRequestPercentageMirror, Share) {
  LocalAtrium atrium;
  ASSERT_EQ(atrium.Start(Route("request-percentage-mirror", R"(  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /percent-mirror
    filters:
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: infra-backend-v2
          port: 8080
        percent: 20
    backendRefs:
    - name: infra-backend-v1
      port: 8080
)")),
            "");
  const EchoBackend* mirror = EchoFleet::Get().Find(kInfraNs, kV2);
  ASSERT_NE(mirror, nullptr);
  const std::string tag = "/percent-mirror?run=" + std::to_string(atrium.port());
  auto mirrored = [&] {
    int count = 0;
    for (const nlohmann::json& echo : mirror->Seen()) {
      if (echo.value("path", "").starts_with(tag + "&")) ++count;
    }
    return count;
  };
  const int total = 200;
  for (int i = 0; i < total; ++i) {
    HttpResponse response = atrium.Send({.path = tag + "&n=" + std::to_string(i)});
    ASSERT_EQ(response.status, 200) << response.error;
    ASSERT_TRUE(response.echo);
    EXPECT_TRUE(response.echo->value("pod", "").starts_with(kV1));
  }
  EXPECT_TRUE(WaitFor([&] { return mirrored() >= 15; })) << mirrored();
  EXPECT_LE(mirrored(), 70);
}

}  // namespace
}  // namespace atrium::conformance
