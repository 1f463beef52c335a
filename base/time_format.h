#pragma once

// Kubernetes timestamps: metav1.Time is RFC 3339 in UTC with seconds
// ("2026-11-23T13:00:00Z", condition lastTransitionTime); metav1.MicroTime
// has microseconds ("2026-11-23T13:00:00.123456Z", Lease renewTime).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace atrium::base {

std::string FormatTime(std::chrono::system_clock::time_point time);
std::string FormatMicroTime(std::chrono::system_clock::time_point time);
// ParseTime reads either form (and a numeric offset instead of Z); nullopt
// when text is not an RFC 3339 timestamp.
std::optional<std::chrono::system_clock::time_point> ParseTime(std::string_view text);

}  // namespace atrium::base
