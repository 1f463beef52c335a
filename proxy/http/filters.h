#pragma once

// Gateway API filters as pure functions over Beast headers and the IR:
// header modifiers, redirects, URL rewrites and CORS. The session decides
// when each applies; these functions only compute.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "controller/ir/route_config.h"
#include "proxy/http/http_types.h"

namespace atrium::http {

// ApplyHeaderModifier applies set, then add, then remove (names compare
// case-insensitively; add appends a line even when the name exists).
void ApplyHeaderModifier(Fields& fields, const ir::HeaderModifier& modifier);

// ReplacePathPrefix replaces the matched prefix of path with replacement as
// the Gateway API ReplacePrefixMatch defines it: the prefix matches whole
// path elements and ignores a trailing slash, and the result never has a
// doubled or missing slash ("/foo/bar" with /foo -> / is "/bar").
std::string ReplacePathPrefix(std::string_view path, std::string_view prefix,
                              std::string_view replacement);

// RewritePath returns the rewritten path for modifier (path unchanged for
// kNone), matched being the route's path match.
std::string RewritePath(std::string_view path, const ir::PathModifier& modifier,
                        const ir::PathMatch& matched);

struct RedirectRequest {
  std::string_view scheme;  // "http" or "https": the listener's
  std::string_view host;    // the request's host, port stripped
  std::string_view path;
  std::string_view query;
};

// RedirectLocation builds the Location of a RequestRedirect. redirect.port
// was resolved by translate (0: the scheme's default, omitted).
std::string RedirectLocation(const ir::RequestRedirect& redirect, const RedirectRequest& request,
                             const ir::PathMatch& matched);

// HostWithoutPort strips a port (and keeps IPv6 brackets).
std::string_view HostWithoutPort(std::string_view host);

// CorsOriginAllowed reports whether origin matches allow_origins ("*",
// exact, or a "scheme://*.suffix" wildcard).
bool CorsOriginAllowed(const ir::Cors& cors, std::string_view origin);

// IsCorsPreflight: OPTIONS with Origin and Access-Control-Request-Method.
bool IsCorsPreflight(const RequestHeader& request);

// MakeCorsPreflightResponse answers a preflight for origin (allowed or not:
// a disallowed origin gets no Access-Control-Allow-* fields).
void MakeCorsPreflightResponse(LocalResponse& response, const ir::Cors& cors,
                               const RequestHeader& request, std::string_view date);

// AddCorsResponseHeaders adds the CORS fields of an actual (not preflight)
// request's response when origin is allowed.
void AddCorsResponseHeaders(Fields& response, const ir::Cors& cors, std::string_view origin);

}  // namespace atrium::http
