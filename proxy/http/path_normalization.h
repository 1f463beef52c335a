#pragma once

// Path normalization: the path a request is routed by is the path the
// upstream receives, in the form every RFC 3986 resolver reads it.
//
// Why: routing on the path as written lets "/api/../admin" match a route
// for PathPrefix "/api" while the upstream, resolving the dot segments as
// RFC 3986 §5.2.4 requires, serves /admin; "/api/%2e%2e/admin" is the same
// request spelled differently. Envoy Gateway, Contour and Istio normalize
// before routing for this reason, and so does nginx (merge_slashes, dot
// segments) for its location matching.
//
// The normal form (RFC 3986 §6.2.2):
//   - a percent-encoded unreserved character is decoded ("%7E" -> "~",
//     "%2e" -> "."), and the hex digits of the other escapes are
//     uppercased ("%2f" -> "%2F": an encoded slash stays encoded, a
//     separator in no path segment);
//   - dot segments are removed ("/a/./b/../c" -> "/a/c"; "/.." -> "/");
//   - adjacent slashes are merged ("/a//b" -> "/a/b"), as Envoy Gateway,
//     Contour and nginx do by default.
// A '%' not followed by two hex digits makes the path malformed (400).
//
// Pure functions, no I/O.

#include <optional>
#include <string>
#include <string_view>

#include "proxy/http/http_types.h"
#include "proxy/http/request_validation.h"

namespace atrium::http {

struct NormalizedPath {
  bool malformed = false;
  std::optional<std::string> changed;  // set when the normal form differs from the input
};

// NormalizePath normalizes an absolute path ("/..."), without its query.
// Costs one scan, and no allocation, when the path is already normal.
NormalizedPath NormalizePath(std::string_view path);

// NormalizeRequestPath replaces the path of an origin-form or absolute-form
// target with its normal form (the query is kept as written) and updates
// *facts, whose views pointed into the old target. 400 for a malformed
// path.
Verdict NormalizeRequestPath(RequestHeader& header, RequestFacts* facts);

}  // namespace atrium::http
