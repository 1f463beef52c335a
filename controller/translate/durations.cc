#include "controller/translate/durations.h"

namespace atrium::translate {

std::optional<int64_t> ParseGatewayDuration(std::string_view text) {
  int64_t total_ms = 0;
  int pairs = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits = 0;
    int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0 || digits > 5 || i == text.size()) return std::nullopt;
    int64_t unit_ms = 0;
    if (text.substr(i, 2) == "ms") {
      unit_ms = 1;
      i += 2;
    } else if (text[i] == 'h') {
      unit_ms = int64_t{3600} * 1000;
      ++i;
    } else if (text[i] == 'm') {
      unit_ms = int64_t{60} * 1000;
      ++i;
    } else if (text[i] == 's') {
      unit_ms = 1000;
      ++i;
    } else {
      return std::nullopt;
    }
    total_ms += number * unit_ms;
    if (++pairs > 4) return std::nullopt;
  }
  if (pairs == 0) return std::nullopt;
  return total_ms;
}

}  // namespace atrium::translate
