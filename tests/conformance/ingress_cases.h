#pragma once

// The reproduced Ingress cases, shared by the --manifests run and the test
// API server run.

#include <vector>

#include "tests/conformance/conformance_case.h"

namespace atrium::conformance {

// IngressCases returns every Ingress case (with_gateways false).
std::vector<ConformanceCase> IngressCases();

}  // namespace atrium::conformance
