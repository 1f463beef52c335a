#include "tests/apiserver/time_format.h"

#include <string>

namespace atrium::testing {

std::string HumanDuration(std::chrono::seconds age) {
  int64_t s = age.count();
  if (s < 0) s = 0;
  auto str = [](int64_t v) { return std::to_string(v); };
  if (s < 60 * 2) return str(s) + "s";
  int64_t minutes = s / 60;
  if (minutes < 10) {
    int64_t rest = s % 60;
    return rest == 0 ? str(minutes) + "m" : str(minutes) + "m" + str(rest) + "s";
  }
  if (minutes < 60 * 3) return str(minutes) + "m";
  int64_t hours = minutes / 60;
  if (hours < 8) {
    int64_t rest = minutes % 60;
    return rest == 0 ? str(hours) + "h" : str(hours) + "h" + str(rest) + "m";
  }
  if (hours < 48) return str(hours) + "h";
  if (hours < 24 * 8) {
    int64_t rest = hours % 24;
    return rest == 0 ? str(hours / 24) + "d" : str(hours / 24) + "d" + str(rest) + "h";
  }
  if (hours < 24 * 365 * 2) return str(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    int64_t days = hours / 24;
    int64_t rest = days % 365;
    return rest == 0 ? str(days / 365) + "y" : str(days / 365) + "y" + str(rest) + "d";
  }
  return str(hours / 24 / 365) + "y";
}

}  // namespace atrium::testing
