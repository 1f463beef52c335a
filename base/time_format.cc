#include "base/time_format.h"

#include <cstdio>
#include <ctime>

namespace atrium::base {
namespace {

std::string FormatSeconds(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
  return buffer;
}

}  // namespace

std::string FormatTime(std::chrono::system_clock::time_point time) {
  return FormatSeconds(std::chrono::floor<std::chrono::seconds>(time)) + "Z";
}

std::string FormatMicroTime(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time - seconds);
  char fraction[32];  // ".%06lld" of any long long, as the compiler must assume
  std::snprintf(fraction, sizeof(fraction), ".%06lld", static_cast<long long>(micros.count()));
  return FormatSeconds(seconds) + fraction + "Z";
}

std::optional<std::chrono::system_clock::time_point> ParseTime(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int consumed = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(19);
  std::chrono::microseconds fraction{0};
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int64_t value = 0;
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 6) {
        value = value * 10 + (rest.front() - '0');
        ++digits;
      }
      rest.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    while (digits < 6) {
      value *= 10;
      ++digits;
    }
    fraction = std::chrono::microseconds(value);
  }
  std::chrono::minutes offset{0};
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh, &om) != 2) {
      return std::nullopt;
    }
    offset = std::chrono::minutes(oh * 60 + om);
    if (rest[0] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  const auto midnight = std::chrono::sys_days(date);
  return std::chrono::system_clock::time_point(midnight) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second) + fraction - offset;
}

}  // namespace atrium::base
