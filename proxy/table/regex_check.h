#pragma once

// RegexError tells why pattern is not a regular expression the data plane
// can run (RE2 syntax, linear time), or "" when it is. Translate receives it
// through translate::Options::regex_error so that it reports an invalid
// regex in the route's status without linking RE2 itself.

#include <string>

namespace atrium::table {

std::string RegexError(const std::string& pattern);

}  // namespace atrium::table
