#pragma once

// The reproduced Gateway API conformance cases that need an HTTPS listener
// (conformance/tests/httproute-https-listener, gateway-secret-*,
// gateway-invalid-tls-configuration, gateway-with-attached-routes, whose
// third Gateway has an unresolvable HTTPS listener, and the port-443 part
// of httproute-redirect-port-and-scheme), shared by the --manifests run and
// the test API server run.

#include <vector>

#include "tests/conformance/conformance_case.h"

namespace atrium::conformance {

std::vector<ConformanceCase> HttpsCases();

}  // namespace atrium::conformance
