#pragma once

// Path normalization: the path a request is routed by is the path the
// upstream receives, in the normal form of controller/ir/path_normal_form.h.
//
// Why: routing on the path as written lets "/api/../admin" match a route
// for PathPrefix "/api" while the upstream, resolving the dot segments as
// RFC 3986 §5.2.4 requires, serves /admin; "/api/%2e%2e/admin" is the same
// request spelled differently. Envoy Gateway, Contour and Istio normalize
// before routing for this reason, and so does nginx (merge_slashes, dot
// segments) for its location matching.

#include "proxy/http/http_types.h"
#include "proxy/http/request_validation.h"

namespace atrium::http {

// NormalizeRequestPath replaces the path of an origin-form or absolute-form
// target with its normal form (the query is kept as written) and updates
// *facts, whose views pointed into the old target. 400 for a malformed
// path.
Verdict NormalizeRequestPath(RequestHeader& header, RequestFacts* facts);

}  // namespace atrium::http
