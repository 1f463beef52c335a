// Ingress (networking.k8s.io/v1) traffic through a real Atrium in
// --manifests mode (the cases are in ingress_cases.cc). Same harness and
// backends as the HTTPRoute cases.

#include <gtest/gtest.h>

#include "tests/conformance/ingress_cases.h"

namespace atrium::conformance {
namespace {

class IngressConformance : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(IngressConformance, Traffic) { RunCase(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Conformance, IngressConformance, ::testing::ValuesIn(IngressCases()),
                         CaseName);

}  // namespace
}  // namespace atrium::conformance
