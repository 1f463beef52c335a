#pragma once

// Gateway API durations (GEP-2257): one to four <number><unit> pairs, each
// number of at most five digits, units h, m, s or ms; "1h30m", "500ms".

#include <cstdint>
#include <optional>
#include <string_view>

namespace atrium::translate {

// ParseGatewayDuration returns the duration in milliseconds, or nullopt when
// text is not a valid Gateway API duration.
std::optional<int64_t> ParseGatewayDuration(std::string_view text);

}  // namespace atrium::translate
