#pragma once

// EvaluateJsonPath evaluates the subset of Kubernetes JSONPath that CRD
// additionalPrinterColumns use: `.a.b`, `['a']`, `[2]`, `[*]` and filters
// `[?(@.type=="Ready")]` (== and != on a string, number or boolean).
// It returns every value the path reaches, in document order; a path it
// cannot parse reaches nothing.

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace atrium::testing {

std::vector<nlohmann::json> EvaluateJsonPath(const nlohmann::json& root, std::string_view path);

}  // namespace atrium::testing
