// The reproduced Gateway API conformance cases (HTTPRoute, those that
// need an HTTPS listener and those that change objects mid-case) against
// the test API server (tests/apiserver):
// Atrium in cluster mode must give the same answers and write the status
// the cases expect (see cluster_case.h).

#include <gtest/gtest.h>

#include "tests/conformance/change_cases.h"
#include "tests/conformance/cluster_case.h"
#include "tests/conformance/httproute_cases.h"
#include "tests/conformance/https_cases.h"
#include "tests/conformance/port8080_cases.h"
#include "tests/conformance/retry_cases.h"

namespace atrium::conformance {
namespace {

class HttpRouteClusterConformance : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(HttpRouteClusterConformance, Traffic) { RunClusterCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Conformance, HttpRouteClusterConformance,
                         ::testing::ValuesIn(HttpRouteCases()), CaseName);

INSTANTIATE_TEST_SUITE_P(Https, HttpRouteClusterConformance, ::testing::ValuesIn(HttpsCases()),
                         CaseName);

INSTANTIATE_TEST_SUITE_P(Retry, HttpRouteClusterConformance, ::testing::ValuesIn(RetryCases()),
                         CaseName);

// The cases with a Gateway listener on port 8080 (feature GatewayPort8080).
INSTANTIATE_TEST_SUITE_P(Port8080, HttpRouteClusterConformance,
                         ::testing::ValuesIn(Port8080Cases()), CaseName);

// The cases that change objects mid-case (cluster mode only).
INSTANTIATE_TEST_SUITE_P(Changes, HttpRouteClusterConformance, ::testing::ValuesIn(ChangeCases()),
                         CaseName);

}  // namespace
}  // namespace atrium::conformance
