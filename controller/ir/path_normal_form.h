#pragma once

// The normal form of a path (RFC 3986 §6.2.2), which both planes use: the
// proxy routes a request by its path in this form (proxy/http/
// path_normalization.h), so the Exact and prefix values it compares that
// path with are kept in this form too (translate), or a route written
// "/%7Euser" could never match a request for it.
//
// The normal form:
//   - a percent-encoded unreserved character is decoded ("%7E" -> "~",
//     "%2e" -> "."), and the hex digits of the other escapes are
//     uppercased ("%2f" -> "%2F": an encoded slash stays encoded, a
//     separator in no path segment);
//   - dot segments are removed ("/a/./b/../c" -> "/a/c"; "/.." -> "/");
//   - adjacent slashes are merged ("/a//b" -> "/a/b"), as Envoy Gateway,
//     Contour and nginx do by default.
// A '%' not followed by two hex digits makes the path malformed.
//
// Pure functions, no I/O.

#include <optional>
#include <string>
#include <string_view>

namespace atrium::ir {

struct NormalizedPath {
  bool malformed = false;
  std::optional<std::string> changed;  // set when the normal form differs from the input
};

// NormalizePath normalizes an absolute path ("/..."), without its query.
// Costs one scan, and no allocation, when the path is already normal.
NormalizedPath NormalizePath(std::string_view path);

}  // namespace atrium::ir
