#pragma once

// Condition renders a metav1.Condition as translate emits it: type, status,
// reason, message and observedGeneration. lastTransitionTime is left to the
// status writer, which owns the clock and knows the previous status.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace atrium::translate {

nlohmann::json Condition(std::string_view type, bool status, std::string_view reason,
                         std::string_view message, int64_t observed_generation);

}  // namespace atrium::translate
