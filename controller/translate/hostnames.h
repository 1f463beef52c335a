#pragma once

// Hostname rules shared by Ingress and the Gateway API: validation, which
// hosts a hostname covers, Gateway listener/route intersection and the
// specificity order used for listener isolation.
//
// Wildcards differ between the two APIs: an Ingress "*.example.com" matches
// exactly one extra label (kWildcardOneLabel), a Gateway API one matches one
// or more (kWildcardAnyLabels).

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/shared_string.h"
#include "controller/ir/route_config.h"

namespace atrium::translate {

// Host is a hostname used as a matching rule.
struct Host {
  ir::HostnameKind kind = ir::HostnameKind::kAny;
  // Lowercase; "*.example.com" for wildcards; "" for kAny. Shared by every
  // copy (a route's hostname is held by its spec, its route entries, the
  // virtual host cache and the virtual host).
  SharedString name;

  // clang-tidy 14 reports a defaulted <=> as a literal 0 compared with a pointer.
  auto operator<=>(const Host&) const = default;  // NOLINT(modernize-use-nullptr)
  bool operator==(const Host&) const = default;
};

// IsValidDnsName tells whether name is an RFC 1123 subdomain in lowercase
// (labels of [a-z0-9-], 1-63 characters, not starting or ending with '-',
// at most 253 characters) and not an IP address.
bool IsValidDnsName(std::string_view name);

// ParseGatewayHostname parses a Gateway API Hostname ("foo.example.com" or
// "*.example.com", any-labels wildcard). nullopt when invalid.
std::optional<Host> ParseGatewayHostname(std::string_view name);

// ParseIngressHost parses an Ingress rule host (wildcards match one label).
std::optional<Host> ParseIngressHost(std::string_view name);

// Covers tells whether every request host matched by inner is also matched by
// outer.
bool Covers(const Host& outer, const Host& inner);

// Intersect is the Gateway API intersection of a listener hostname and one
// route hostname: the more specific of the two when one covers the other,
// nullopt when they share no host.
std::optional<Host> Intersect(const Host& listener, const Host& route);

// Specificity orders hosts for listener isolation: exact above wildcard above
// kAny, longer wildcard suffixes above shorter. One-label and any-labels
// wildcards of the same suffix are equally specific.
using Specificity = std::tuple<int, size_t>;
Specificity SpecificityOf(const Host& host);

// CoveringCandidates lists every Host that could cover host (host itself,
// wildcards of each parent suffix of both kinds, and kAny), so that callers
// can look covering hosts up in a map instead of scanning all of them.
std::vector<Host> CoveringCandidates(const Host& host);

// IsIpAddress tells whether text is an IPv4 or IPv6 literal.
bool IsIpAddress(std::string_view text);

}  // namespace atrium::translate
