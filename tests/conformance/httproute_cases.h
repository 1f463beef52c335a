#pragma once

// The reproduced Gateway API conformance HTTPRoute cases, shared by the
// --manifests run and the test API server run.

#include <string>
#include <vector>

#include "tests/conformance/conformance_case.h"

namespace atrium::conformance {

// HttpRouteCases returns every reproduced HTTPRoute case, named by the
// conformance ShortName.
std::vector<ConformanceCase> HttpRouteCases();

// Route returns an HTTPRoute named name in gateway-conformance-infra,
// attached to parent, followed by body (the rest of its spec).
std::string Route(const std::string& name, const std::string& body,
                  const std::string& parent = "same-namespace");

}  // namespace atrium::conformance
