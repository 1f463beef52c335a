#pragma once

// Route precedence: the order in which routes sharing a VirtualHost are
// tried (the first match wins in the data plane). One order serves both APIs
// so that Ingress and HTTPRoute routes can be merged on one host:
//
//  1. Ingress default backends last of all (they catch what nothing else does).
//  2. Path: Exact, then RegularExpression, then Prefix; within each, longer
//     values first (a Prefix's trailing slash does not count). This is the
//     HTTPRoute order ("Exact", then longest "Prefix"; regex precedence is
//     implementation-specific) and also the Ingress order (longest path first,
//     Exact before Prefix on equal paths): an Exact and a Prefix path can only
//     both match a request when the Exact one is at least as long.
//  3. A method match, then more header matches, then more query matches.
//  4. Hostname: more characters in a matching non-wildcard hostname, then more
//     characters in a matching hostname (HTTPRoute spec.hostnames), using the
//     hostname written on the route, not the listener intersection. This
//     breaks ties between equally specific matches only: the conformance
//     test HTTPRouteMatchingAcrossRoutes sends Host example.com, path /v2 to
//     a route for "*.com" matching PathPrefix /v2 rather than to a route for
//     example.com matching PathPrefix /.
//  5. Ties across routes: routes attached through an older Gateway first
//     (Gateways sharing a socket; Ingress counts after every Gateway), then
//     the oldest route, then namespace/name, then kind.
//  6. Ties within a route: rule order, then match order.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "controller/ir/route_config.h"
#include "controller/translate/object_meta.h"

namespace atrium::translate {

struct PrecedenceKey {
  bool fallback = false;
  bool has_method = false;
  uint8_t path_class = 2;  // 0 Exact, 1 RegularExpression, 2 Prefix
  uint32_t exact_host_chars = 0;
  uint32_t host_chars = 0;
  uint32_t path_chars = 0;
  uint32_t header_count = 0;
  uint32_t query_count = 0;
  uint32_t gateway_rank = 0;
  uint32_t rule_index = 0;
  uint32_t match_index = 0;
  CreationTime creation_time = kUnknownCreation;
  std::string ns;
  std::string name;
  std::string_view kind;  // a literal: "HTTPRoute" or "Ingress"
};

// SetMatchPrecedence fills the path, method, header and query parts of key
// from match.
void SetMatchPrecedence(const ir::RouteMatch& match, PrecedenceKey& key);

// SetHostPrecedence fills the hostname part of key from the hostname written
// on the route ("" when the route names none).
void SetHostPrecedence(std::string_view route_hostname, PrecedenceKey& key);

// Before tells whether a takes precedence over b.
bool Before(const PrecedenceKey& a, const PrecedenceKey& b);

// NormalizedPrefix strips the trailing slash of a prefix path ("/foo/" ->
// "/foo"), keeping "/" as is: the data plane ignores it when matching.
std::string NormalizedPrefix(const std::string& value);

}  // namespace atrium::translate
