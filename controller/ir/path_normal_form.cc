#include "controller/ir/path_normal_form.h"

#include <vector>

namespace atrium::ir {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char UpperHex(char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c; }

// RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~".
bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// IsDotSegment: "." or "..", the segments §5.2.4 removes.
bool IsDotSegment(std::string_view segment) { return segment == "." || segment == ".."; }

// MayNeedWork is the fast path's test: a path without '%', without an empty
// segment and without a dot segment is already normal.
bool MayNeedWork(std::string_view path) {
  size_t start = 1;  // after the leading '/'
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] == '%') return true;
    if (i == path.size() || path[i] == '/') {
      std::string_view segment = path.substr(start, i - start);
      // An empty segment before the end is "//"; at the end it is the
      // trailing slash, which is kept.
      if ((segment.empty() && i < path.size()) || IsDotSegment(segment)) return true;
      start = i + 1;
    }
  }
  return false;
}

}  // namespace

NormalizedPath NormalizePath(std::string_view path) {
  NormalizedPath result;
  if (path.empty() || path.front() != '/' || !MayNeedWork(path)) return result;

  // Percent-encodings first, so that "%2e%2e" is the dot segment it means.
  std::string decoded;
  decoded.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      decoded.push_back(path[i]);
      continue;
    }
    if (i + 2 >= path.size() || HexValue(path[i + 1]) < 0 || HexValue(path[i + 2]) < 0) {
      result.malformed = true;
      return result;
    }
    const char value = static_cast<char>(HexValue(path[i + 1]) * 16 + HexValue(path[i + 2]));
    if (IsUnreserved(value)) {
      decoded.push_back(value);
    } else {
      decoded.push_back('%');
      decoded.push_back(UpperHex(path[i + 1]));
      decoded.push_back(UpperHex(path[i + 2]));
    }
    i += 2;
  }

  // Dot segments and empty segments, one segment at a time. The last
  // segment being empty, "." or ".." leaves a trailing slash (§5.2.4:
  // "/a/b/.." is "/a/").
  std::vector<std::string_view> kept;
  bool trailing_slash = false;
  const std::string_view text = decoded;
  size_t start = 1;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '/') continue;
    const std::string_view segment = text.substr(start, i - start);
    const bool last = i == text.size();
    start = i + 1;
    trailing_slash = last && (segment.empty() || IsDotSegment(segment));
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
      continue;
    }
    kept.push_back(segment);
  }
  std::string normal = "/";
  for (size_t k = 0; k < kept.size(); ++k) {
    if (k > 0) normal.push_back('/');
    normal.append(kept[k]);
  }
  if (trailing_slash && !kept.empty()) normal.push_back('/');
  if (normal != path) result.changed = std::move(normal);
  return result;
}

}  // namespace atrium::ir
