#pragma once

// HttpDateCache formats the current time as an IMF-fixdate for the Date
// header (RFC 9110 §5.6.7), reformatting at most once per second.
//
// Threading: one instance per worker thread; not thread-safe.

#include <ctime>
#include <string_view>

namespace atrium::http {

class HttpDateCache {
 public:
  // Now returns the Date value for the current second. The view stays valid
  // until the next call.
  std::string_view Now();

  // Format writes t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
  static std::string_view Format(std::time_t t, char (&out)[30]);

 private:
  std::time_t second_ = -1;
  char text_[30] = {};
  std::string_view view_;
};

}  // namespace atrium::http
