#pragma once

// RouteConfig is the plain-data route configuration (the IR) that translate
// produces from Kubernetes objects and that proxy/table compiles into an
// immutable RouteTable. Every Kubernetes decision (precedence, hostname
// intersection, defaults, invalid backends) is already made here: the
// compiler only builds lookup structures, it never reorders or reinterprets.
//
// All types are regular values with defaulted equality, so the reconciler can
// compare a new configuration with the live one and skip publishing when
// nothing changed. The IR links only the standard library and nlohmann/json.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/boxed_optional.h"
#include "base/boxed_vector.h"
#include "base/shared_string.h"
#include "base/shared_value.h"

namespace atrium::ir {

enum class PathMatchKind { kExact, kPrefix, kRegularExpression };

// PathMatch: Prefix matching is element-wise ("/foo" matches "/foo",
// "/foo/" and "/foo/bar", never "/foobar"); a trailing slash in the value is
// ignored. RegularExpression is RE2 syntax, anchored on the whole path.
struct PathMatch {
  PathMatchKind kind = PathMatchKind::kPrefix;
  std::string value = "/";
  bool operator==(const PathMatch&) const = default;
};

enum class ValueMatchKind { kExact, kRegularExpression };

// HeaderMatch: name is compared case-insensitively; value as written.
struct HeaderMatch {
  ValueMatchKind kind = ValueMatchKind::kExact;
  std::string name;
  std::string value;
  bool operator==(const HeaderMatch&) const = default;
};

// QueryParamMatch: name and value are compared exactly (case-sensitive).
struct QueryParamMatch {
  ValueMatchKind kind = ValueMatchKind::kExact;
  std::string name;
  std::string value;
  bool operator==(const QueryParamMatch&) const = default;
};

// RouteMatch: every condition must hold (AND). Header and query conditions
// are boxed (base/boxed_vector.h): nearly every match is a path alone, and a
// match is held twice per route (the decoded rule and the ir::Route).
struct RouteMatch {
  PathMatch path;
  BoxedVector<HeaderMatch> headers;
  BoxedVector<QueryParamMatch> query_params;
  std::string method;  // empty: any method
  bool operator==(const RouteMatch&) const = default;
};

struct Header {
  std::string name;
  std::string value;
  bool operator==(const Header&) const = default;
};

// HeaderModifier: applied in the order set, add, remove. Names compare
// case-insensitively.
struct HeaderModifier {
  std::vector<Header> set;
  std::vector<Header> add;
  std::vector<std::string> remove;
  bool operator==(const HeaderModifier&) const = default;
};

enum class PathModifierKind { kNone, kReplaceFullPath, kReplacePrefixMatch };

// PathModifier: for kReplacePrefixMatch the matched prefix is the route's
// PathMatch value (the proxy applies the Gateway API slash rules).
struct PathModifier {
  PathModifierKind kind = PathModifierKind::kNone;
  std::string value;
  bool operator==(const PathModifier&) const = default;
};

// RequestRedirect: translate resolves the port with the spec's default-port
// rules from the listener's port (80/443), never from the bound port. A port
// of 0 means "omit the port from Location" (it is the scheme's default).
struct RequestRedirect {
  std::optional<std::string> scheme;    // absent: the request's scheme
  std::optional<std::string> hostname;  // absent: the request's host
  uint16_t port = 0;
  PathModifier path;
  int status_code = 302;
  bool operator==(const RequestRedirect&) const = default;
};

struct UrlRewrite {
  std::optional<std::string> hostname;
  PathModifier path;
  bool operator==(const UrlRewrite&) const = default;
};

struct Endpoint {
  std::string address;  // IPv4 or IPv6 literal (never a ClusterIP)
  uint16_t port = 0;
  bool ready = true;
  bool operator==(const Endpoint&) const = default;
};

// EndpointList is a Service port's endpoints, shared: every route that uses
// the port holds the same list (thousands of routes to a Service of hundreds
// of pods hold it once, not once each).
using EndpointList = SharedValue<std::vector<Endpoint>>;

// RequestMirror: a copy of the request goes to backend_name's endpoints;
// its response is discarded. Sent for numerator/denominator of requests.
struct RequestMirror {
  std::string backend_name;  // "namespace/service:port"
  EndpointList endpoints;
  uint32_t numerator = 100;
  uint32_t denominator = 100;
  bool operator==(const RequestMirror&) const = default;
};

// Cors: answered by the proxy for preflight requests; response headers added
// to actual requests whose Origin is allowed.
struct Cors {
  std::vector<std::string> allow_origins;  // "*", exact, or "https://*.example.com"
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_headers;
  std::vector<std::string> expose_headers;
  bool allow_credentials = false;
  int max_age_seconds = 5;
  bool operator==(const Cors&) const = default;
};

// Filters that apply to a route rule or to one backend of it.
// Boxed (base/boxed_optional.h): most routes set none of them, and a route
// is copied several times on its way to the table.
struct Filters {
  BoxedOptional<HeaderModifier> request_headers;
  BoxedOptional<HeaderModifier> response_headers;
  BoxedOptional<RequestRedirect> redirect;
  BoxedOptional<UrlRewrite> rewrite;
  BoxedVector<RequestMirror> mirrors;
  BoxedOptional<Cors> cors;
  bool operator==(const Filters&) const = default;
};

// Backend is one weighted share of a route's traffic. An invalid backend
// (missing Service, not permitted by a ReferenceGrant, unknown kind) keeps its
// weight and answers its share with 500, as the Gateway API requires.
struct Backend {
  std::string name;  // "namespace/service:port": a bounded metrics label
  uint32_t weight = 1;
  bool valid = true;
  EndpointList endpoints;    // sorted; empty or none ready: 503
  Filters filters;           // backendRef-level filters
  std::string app_protocol;  // e.g. "kubernetes.io/ws"; empty: HTTP/1.1
  bool operator==(const Backend&) const = default;
};

struct Timeouts {
  std::optional<int64_t> request_ms;          // whole request, client to client
  std::optional<int64_t> backend_request_ms;  // one upstream attempt
  bool operator==(const Timeouts&) const = default;
};

struct Retry {
  std::vector<int> codes;  // status codes that trigger a retry
  int attempts = 0;        // 0: no retries
  int64_t backoff_ms = 0;
  bool operator==(const Retry&) const = default;
};

// Route is one match of one rule: the unit of precedence. A request is served
// by the first Route of its VirtualHost whose match holds.
struct Route {
  std::string name;  // bounded metrics label, e.g. "httproute/ns/name/rule/0"
  RouteMatch match;
  Filters filters;
  std::vector<Backend> backends;
  // direct_status != 0 answers every request with that status (e.g. 500 when
  // the rule has no valid backend at all) instead of forwarding.
  int direct_status = 0;
  // Boxed, unset when the rule sets none (nearly all do not): 16 bytes a
  // route instead of 72. Never set to the defaults, so == compares them.
  BoxedOptional<Timeouts> timeouts;
  BoxedOptional<Retry> retry;
  bool operator==(const Route&) const = default;
};

enum class HostnameKind {
  kAny,                // matches every host (catch-all)
  kExact,              // "foo.example.com"
  kWildcardOneLabel,   // Ingress "*.example.com": exactly one extra label
  kWildcardAnyLabels,  // Gateway API "*.example.com": one or more labels
};

// VirtualHost groups the routes served for one hostname on one socket. The
// proxy picks the most specific VirtualHost for a request's host (exact, then
// the longest wildcard suffix, then kAny) and never falls back to another.
// A kWildcardOneLabel and a kWildcardAnyLabels VirtualHost may share a suffix
// (an Ingress wildcard next to a Gateway API one); for a host with exactly one
// label before that suffix the one-label VirtualHost is the more specific.
//
// sni_scope, on TLS listeners, names the Gateway listener hostname that owns
// this VirtualHost ("" for a listener without hostname). A request on a
// connection whose SNI selects a VirtualHost of another scope (or none) is
// answered 404: the SNI chose the Gateway listener, and only that listener's
// routes serve the connection (conformance: HTTPRouteHTTPSListener). Unset
// (Ingress hosts, plain HTTP): the Host header alone decides.
struct VirtualHost {
  HostnameKind kind = HostnameKind::kAny;
  // Lowercase; "*.example.com" for wildcards; "" for kAny. Shared with
  // translate's Host of the same name (base/shared_string.h).
  SharedString hostname;
  // In precedence order: the first match wins. Shared with translate's
  // route entries (and between the hosts and listeners a route serves),
  // not copied into every host.
  std::vector<SharedValue<Route>> routes;
  std::optional<std::string> sni_scope = std::nullopt;
  bool operator==(const VirtualHost&) const = default;
};

// TlsCertificate is a PEM chain and key, selected by SNI.
struct TlsCertificate {
  std::vector<std::string> hostnames;  // SNI names; "*.example.com" allowed
  std::string certificate_pem;
  std::string private_key_pem;  // never logged, never shown by /admin
  bool operator==(const TlsCertificate&) const = default;
};

// Listener is one bound socket. Every Gateway listener and the implicit
// Ingress listener that share an address and port are merged into one.
struct Listener {
  std::string address;     // bind address; "" means all addresses
  uint16_t port = 0;       // the port in the spec (80), used for redirects
  uint16_t bind_port = 0;  // the port actually bound (8080)
  bool tls = false;
  std::vector<TlsCertificate> certificates;  // when tls; the first is the default
  // Shared: translate hands an unchanged VirtualHost from one configuration
  // to the next as the same object, so comparing, validating and compiling
  // it again costs a pointer comparison.
  std::vector<SharedValue<VirtualHost>> virtual_hosts;
  bool operator==(const Listener&) const = default;
};

// RouteConfig is the whole data-plane configuration, sorted by address, port.
struct RouteConfig {
  std::vector<Listener> listeners;
  bool operator==(const RouteConfig&) const = default;
};

// Validate returns a list of problems (empty when the configuration can be
// compiled): duplicate listeners, unsorted or duplicate virtual hosts, zero
// ports, redirect status codes outside 301/302/303/307/308. Virtual hosts
// that config shares with known_valid (a configuration that passed) are not
// checked again.
std::vector<std::string> Validate(const RouteConfig& config,
                                  const RouteConfig* known_valid = nullptr);

// ToJson renders the configuration for /admin/routes and golden files.
// Private keys are never rendered.
nlohmann::json ToJson(const RouteConfig& config);

}  // namespace atrium::ir
