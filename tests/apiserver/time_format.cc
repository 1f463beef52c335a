#include "tests/apiserver/time_format.h"

#include <ctime>
#include <string>

namespace atrium::testing {

namespace {

std::string FormatWith(std::chrono::system_clock::time_point t, bool micros) {
  using namespace std::chrono;
  std::time_t seconds = system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (micros) {
    auto us = duration_cast<microseconds>(t.time_since_epoch()).count() % 1000000;
    char frac[16];
    std::snprintf(frac, sizeof(frac), ".%06lld", static_cast<long long>(us));
    out += frac;
  }
  return out + "Z";
}

}  // namespace

std::string FormatTime(std::chrono::system_clock::time_point t) { return FormatWith(t, false); }

std::string FormatMicroTime(std::chrono::system_clock::time_point t) { return FormatWith(t, true); }

std::optional<std::chrono::system_clock::time_point> ParseTime(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
  return t;
}

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
