#pragma once

// Base64 through OpenSSL: kubeconfig certificate data, Secret-style payloads
// and the URL-safe unpadded form LIST continue tokens use.

#include <optional>
#include <string>
#include <string_view>

namespace atrium::testing {

std::string Base64Encode(std::string_view data);
std::optional<std::string> Base64Decode(std::string_view text);
// Base64UrlEncode is RFC 4648 §5 without padding; Base64UrlDecode accepts it.
std::string Base64UrlEncode(std::string_view data);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace atrium::testing
