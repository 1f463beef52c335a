#pragma once

// The reproduced Gateway API conformance cases of feature GatewayPort8080
// (conformance/tests/gateway-with-attached-routes-with-port-8080 and the
// http-listener-on-8080 part of httproute-redirect-port-and-scheme): each
// Gateway has its own loopback address, so its listener on port 8080 binds
// 8080 itself without colliding with anything else. Shared by the
// --manifests run and the test API server run.

#include <vector>

#include "tests/conformance/conformance_case.h"

namespace atrium::conformance {

std::vector<ConformanceCase> Port8080Cases();

}  // namespace atrium::conformance
