#pragma once

// StrCat joins strings into one, allocating once: the messages translate
// builds for status conditions and problems ("spec.rules[0]: ... \"x\"").

#include <string>
#include <string_view>

namespace atrium {

template <typename... Parts>
std::string StrCat(const Parts&... parts) {
  std::string joined;
  joined.reserve((std::string_view(parts).size() + ... + 0));
  (joined.append(std::string_view(parts)), ...);
  return joined;
}

}  // namespace atrium
