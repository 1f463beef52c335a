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
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
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
  // Also names the route's origin (object, rule, match): entries of one
  // origin on one socket carry identical routes and are served once.
  PrecedenceKey precedence;
  SharedValue<ir::Route> route;  // the same object in every virtual host it serves
};

// DraftEntries is a draft's entries, in order. Entries are shared: the
// HTTPRoute memo hands the same entries to every pass until their route
// changes. The draft points at the memo's references instead of copying
// them, so a pass that replays thousands of entries counts no reference up
// (and later down) for each: the memo holds them, unchanged, until
// BuildRouteConfig has consumed the draft. Entries a pass makes, the draft
// holds itself. Movable, not copyable (it points into itself).
class DraftEntries {
 public:
  using Entry = std::shared_ptr<const RouteEntry>;
  DraftEntries() = default;
  DraftEntries(DraftEntries&&) = default;
  DraftEntries& operator=(DraftEntries&&) = default;
  DraftEntries(const DraftEntries&) = delete;
  DraftEntries& operator=(const DraftEntries&) = delete;

  const Entry& operator[](size_t position) const { return *at_[position]; }
  size_t size() const { return at_.size(); }
  void reserve(size_t size) { at_.reserve(size); }
  // Add appends an entry this pass made; the draft holds it.
  void Add(Entry entry) { at_.push_back(&made_.emplace_back(std::move(entry))); }
  // Refer appends an entry held at *held, which must stay there, unchanged,
  // for as long as the draft lives.
  void Refer(const Entry& held) { at_.push_back(&held); }

 private:
  std::vector<const Entry*> at_;
  std::deque<Entry> made_;  // a deque: growing it moves no element
};

struct ConfigDraft {
  std::map<SocketKey, Socket> sockets;
  DraftEntries entries;
};

// HostHash hashes a Host for unordered containers.
struct HostHash {
  size_t operator()(const Host& host) const {
    return std::hash<std::string_view>{}(host.name) * 31 + static_cast<size_t>(host.kind);
  }
};

// VirtualHostCache remembers, per socket, the virtual hosts of the last
// BuildRouteConfig and the entries each was built from. A virtual host whose
// inputs are the same entry objects as last time is the same object as last
// time, so everything downstream (the unchanged-configuration check,
// validation, the compile cache) recognizes it by a pointer comparison. A
// build where a few hostnames' entries changed rebuilds only the virtual
// hosts those hostnames cover; the others are not even looked at. Not
// thread-safe: one per reconciler.
class VirtualHostCache {
 public:
  using Entries = std::vector<std::shared_ptr<const RouteEntry>>;
  struct Built {
    Entries entries;                     // as served, in order
    SharedValue<ir::VirtualHost> vhost;  // also holds the sni_scope it was built with
  };
  struct SocketState {
    // What every virtual host of the socket also depends on.
    std::set<Host> claims;
    std::set<Host> sni_scoped_claims;
    bool tls = false;
    // Per hostname, in one map (a node and a key per hostname, not two):
    // the socket's entries with that effective hostname ("bucket", in draft
    // order; empty for a listener hostname no entry has), and the virtual
    // host emitted for it, if any.
    struct HostState {
      Entries bucket;
      std::optional<Built> built;
    };
    std::unordered_map<Host, HostState, HostHash> hosts;
    // How many of hosts are wildcards with a non-empty bucket (whether a
    // build must look for parent wildcards, known without a walk of hosts).
    size_t wildcard_buckets = 0;
    // The addresses of all the socket's entries, sorted (how the next build
    // finds what changed: unchanged entries are the same objects).
    std::vector<const RouteEntry*> entry_addresses;
    // The virtual hosts emitted, as the listener lists them.
    std::vector<SharedValue<ir::VirtualHost>> vhosts;
  };
  struct State {
    std::map<SocketKey, SocketState> sockets;
    size_t reused = 0;  // in the last build
    size_t built = 0;
  };

  // Counts from the last build: virtual hosts shared with the build before,
  // and built anew.
  size_t reused() const { return state_.reused; }
  size_t built() const { return state_.built; }
  void Clear() { state_ = State{}; }

 private:
  friend ir::RouteConfig BuildRouteConfig(ConfigDraft draft, VirtualHostCache* cache);
  State state_;
};

// BuildRouteConfig turns the draft into the IR: one Listener per socket, one
// VirtualHost per claim and per effective hostname, each holding in
// precedence order exactly the routes that serve the hosts it selects. With
// a cache, unchanged virtual hosts are shared with the previous build.
ir::RouteConfig BuildRouteConfig(ConfigDraft draft, VirtualHostCache* cache = nullptr);

}  // namespace atrium::translate
