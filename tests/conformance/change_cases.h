#pragma once

// The reproduced Gateway API conformance cases that change objects while
// they run (conformance/tests/gatewayclass-observed-generation-bump,
// gateway-observed-generation-bump, gateway-modify-listeners,
// gateway-update-listener-hostname, httproute-observed-generation-bump): cluster
// mode only, as the changes go through the test API server (see
// ObjectChange in conformance_case.h).

#include <vector>

#include "tests/conformance/conformance_case.h"

namespace atrium::conformance {

std::vector<ConformanceCase> ChangeCases();

}  // namespace atrium::conformance
