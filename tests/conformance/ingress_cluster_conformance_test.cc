// The Ingress cases against the test API server: Atrium in cluster mode
// (list/watch of IngressClasses, Ingresses, Services and EndpointSlices)
// must give the same answers as in --manifests mode (see cluster_case.h).

#include <gtest/gtest.h>

#include "tests/conformance/cluster_case.h"
#include "tests/conformance/ingress_cases.h"

namespace atrium::conformance {
namespace {

class IngressClusterConformance : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(IngressClusterConformance, Traffic) { RunClusterCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Conformance, IngressClusterConformance,
                         ::testing::ValuesIn(IngressCases()), CaseName);

}  // namespace
}  // namespace atrium::conformance
