#pragma once

// ConfigDraft is what the Gateway and Ingress translators hand to
// BuildRouteConfig: the sockets to bind, the listener hostnames ("claims")
// served on each, and every route placed under one effective hostname.
//
// Listener isolation is expressed with claims. Every Gateway listener claims
// its hostname (kAny when it has none) on its socket; every Ingress rule host
// claims that host on the implicit Ingress socket (its hostless rules and
// default backend claim kAny). A request is served only by the routes whose
// claim is the most specific claim covering its host (several claims of equal
// specificity, e.g. two Gateways' listeners for the same hostname, merge).

#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "controller/ir/route_config.h"
#include "controller/translate/hostnames.h"
#include "controller/translate/precedence.h"

namespace atrium::translate {

struct SocketKey {
  std::string address;  // "" = all addresses
  uint16_t bind_port = 0;
  // clang-tidy 14 reports a defaulted <=> as a literal 0 compared with a pointer.
  auto operator<=>(const SocketKey&) const = default;  // NOLINT(modernize-use-nullptr)
  bool operator==(const SocketKey&) const = default;
};

struct Socket {
  uint16_t port = 0;  // the port in the spec (80), for redirects
  bool tls = false;
  std::string owner;  // who claimed the socket first, for messages
  std::vector<ir::TlsCertificate> certificates;
  std::set<Host> claims;
  // The claims of Gateway listeners on a TLS socket: their VirtualHosts get
  // an sni_scope (see ir::VirtualHost), so the SNI picks the listener.
  std::set<Host> sni_scoped_claims;
};

// RouteEntry is one ir::Route served under hostname on socket.
struct RouteEntry {
  SocketKey socket;
  Host claim;     // the listener hostname it was attached through
  Host hostname;  // the effective (intersected) hostname, covered by claim
  PrecedenceKey precedence;
  // source identifies the route's origin (object, rule, match); entries of
  // one source on one socket carry identical routes and are served once.
  std::string source;
  ir::Route route;
};

struct ConfigDraft {
  std::map<SocketKey, Socket> sockets;
  std::vector<RouteEntry> entries;
};

// BuildRouteConfig turns the draft into the IR: one Listener per socket, one
// VirtualHost per claim and per effective hostname, each holding in
// precedence order exactly the routes that serve the hosts it selects.
ir::RouteConfig BuildRouteConfig(ConfigDraft draft);

}  // namespace atrium::translate
