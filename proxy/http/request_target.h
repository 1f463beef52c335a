#pragma once

// ParseRequestTarget splits a request-target into its parts (RFC 9112 §3.2)
// without decoding anything. Pure; the views point into the input.

#include <optional>
#include <string_view>

namespace atrium::http {

enum class TargetForm {
  kOrigin,     // "/path?query"
  kAbsolute,   // "http://host:port/path?query"
  kAuthority,  // "host:port" (CONNECT only)
  kAsterisk,   // "*" (server-wide OPTIONS only)
};

struct RequestTarget {
  TargetForm form = TargetForm::kOrigin;
  std::string_view scheme;     // absolute-form only, as written
  std::string_view authority;  // absolute-form and authority-form
  std::string_view path;       // "/" when an absolute-form target has none
  std::string_view query;      // without '?', may be empty
};

// ParseRequestTarget returns nullopt for a target that matches no form, holds
// a fragment ('#'), whitespace or control characters, or (absolute-form) has
// an empty authority or userinfo.
std::optional<RequestTarget> ParseRequestTarget(std::string_view target);

// IsValidHostValue reports whether value is a valid Host field value:
// uri-host [ ":" port ] (RFC 9110 §7.2), possibly empty.
bool IsValidHostValue(std::string_view value);

// SameAuthority compares two authorities case-insensitively.
bool SameAuthority(std::string_view a, std::string_view b);

}  // namespace atrium::http
