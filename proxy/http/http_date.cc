#include "proxy/http/http_date.h"

#include <chrono>
#include <cstdio>

namespace atrium::http {

std::string_view HttpDateCache::Format(std::time_t t, char (&out)[30]) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  // strftime's %a/%b depend on the locale; the names are fixed by the RFC.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int n = std::snprintf(out, sizeof(out), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                        kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12],
                        tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (n < 0) n = 0;
  return std::string_view(out, static_cast<size_t>(n) < sizeof(out) ? n : sizeof(out) - 1);
}

std::string_view HttpDateCache::Now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != second_) {
    second_ = now;
    view_ = Format(now, text_);
  }
  return view_;
}

}  // namespace atrium::http
