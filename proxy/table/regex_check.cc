#include "proxy/table/regex_check.h"

#include <re2/re2.h>

namespace atrium::table {

std::string RegexError(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  re2::RE2 regex(pattern, options);
  return regex.ok() ? "" : regex.error();
}

}  // namespace atrium::table
