#pragma once

// The reproduced conformance case HTTPRouteRetry (experimental channel:
// rules[].retry codes, attempts, backoff), shared by the --manifests run
// and the test API server run.

#include <vector>

#include "tests/conformance/conformance_case.h"

namespace atrium::conformance {

std::vector<ConformanceCase> RetryCases();

}  // namespace atrium::conformance
