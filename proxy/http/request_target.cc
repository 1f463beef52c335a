#include "proxy/http/request_target.h"

#include <cctype>

namespace atrium::http {
namespace {

bool IsUnreservedOrSubDelim(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':  // unreserved
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':  // sub-delims
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case '%':  // pct-encoded (the digits are checked loosely: we never decode)
      return true;
    default:
      return false;
  }
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// IsTargetChar: the characters a request-target may hold at all. Everything
// else (controls, space, DEL, '#', non-ASCII) is rejected; a client must
// percent-encode them.
bool IsTargetChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != '#' && c != '"' && c != '<' && c != '>' && c != '\\' &&
         c != '^' && c != '`' && c != '{' && c != '|' && c != '}';
}

void SplitPathQuery(std::string_view rest, RequestTarget& out) {
  size_t q = rest.find('?');
  if (q == std::string_view::npos) {
    out.path = rest;
  } else {
    out.path = rest.substr(0, q);
    out.query = rest.substr(q + 1);
  }
}

}  // namespace

bool IsValidHostValue(std::string_view value) {
  std::string_view host = value;
  std::string_view port;
  if (!value.empty() && value.front() == '[') {
    size_t close = value.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    for (char c : value.substr(1, close - 1)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.' && c != 'v' &&
          c != 'V') {
        return false;
      }
    }
    std::string_view after = value.substr(close + 1);
    if (after.empty()) return true;
    if (after.front() != ':') return false;
    return AllDigits(after.substr(1));
  }
  size_t colon = value.rfind(':');
  if (colon != std::string_view::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
    if (!AllDigits(port)) return false;
    if (host.empty()) return false;
  }
  for (char c : host) {
    if (!IsUnreservedOrSubDelim(c)) return false;
  }
  return true;
}

bool SameAuthority(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<RequestTarget> ParseRequestTarget(std::string_view target) {
  if (target.empty()) return std::nullopt;
  for (char c : target) {
    if (!IsTargetChar(c)) return std::nullopt;
  }
  RequestTarget out;
  if (target == "*") {
    out.form = TargetForm::kAsterisk;
    return out;
  }
  if (target.front() == '/') {
    out.form = TargetForm::kOrigin;
    SplitPathQuery(target, out);
    return out;
  }
  size_t scheme_end = target.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string_view scheme = target.substr(0, scheme_end);
    if (scheme.empty() || !std::isalpha(static_cast<unsigned char>(scheme.front()))) {
      return std::nullopt;
    }
    for (char c : scheme) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
        return std::nullopt;
      }
    }
    std::string_view rest = target.substr(scheme_end + 3);
    size_t path_start = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_start);
    if (authority.empty() || authority.find('@') != std::string_view::npos ||
        !IsValidHostValue(authority)) {
      return std::nullopt;
    }
    out.form = TargetForm::kAbsolute;
    out.scheme = scheme;
    out.authority = authority;
    if (path_start == std::string_view::npos) {
      out.path = "/";
    } else {
      SplitPathQuery(rest.substr(path_start), out);
      if (out.path.empty()) out.path = "/";
    }
    return out;
  }
  // authority-form: host ":" port, nothing else.
  size_t colon = target.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == target.size() ||
      target.find('/') != std::string_view::npos || target.find('?') != std::string_view::npos ||
      target.find('@') != std::string_view::npos || !IsValidHostValue(target)) {
    return std::nullopt;
  }
  out.form = TargetForm::kAuthority;
  out.authority = target;
  return out;
}

}  // namespace atrium::http
