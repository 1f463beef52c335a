#include "controller/translate/config_draft.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <tuple>
#include <unordered_set>

namespace atrium::translate {
namespace {

bool IsIngressRule(const RouteEntry& entry) {
  return entry.precedence.kind == "Ingress" && !entry.precedence.fallback;
}

// KeepMostSpecificIngressHost drops the Ingress rules of less specific hosts
// from positions. Ingress has no cross-host precedence in its spec; users
// coming from ingress-nginx (and Contour) expect a host's rules to own its
// requests: with rules for foo.bar.com and *.bar.com, a request for
// foo.bar.com only ever sees the foo.bar.com rules (and the default
// backend). HTTPRoute rules are left merged across hostnames, as the
// Gateway API requires (conformance: HTTPRouteMatchingAcrossRoutes).
void KeepMostSpecificIngressHost(const std::vector<const RouteEntry*>& entries,
                                 std::vector<size_t>& positions) {
  std::optional<Specificity> best;
  for (size_t position : positions) {
    const RouteEntry& entry = *entries[position];
    if (!IsIngressRule(entry)) continue;
    Specificity specificity = SpecificityOf(entry.hostname);
    if (!best || specificity > *best) best = specificity;
  }
  if (!best) return;
  std::erase_if(positions, [&](size_t position) {
    const RouteEntry& entry = *entries[position];
    return IsIngressRule(entry) && SpecificityOf(entry.hostname) < *best;
  });
}

// BuildVirtualHosts fills listener.virtual_hosts for one socket. entries are
// the socket's entries, already in precedence order.
void BuildVirtualHosts(const Socket& socket, const std::vector<const RouteEntry*>& entries,
                       ir::Listener& listener) {
  std::map<Host, std::vector<size_t>> by_hostname;  // positions in entries
  std::set<Host> keys(socket.claims.begin(), socket.claims.end());
  for (size_t i = 0; i < entries.size(); ++i) {
    by_hostname[entries[i]->hostname].push_back(i);
    keys.insert(entries[i]->hostname);
  }
  for (const Host& key : keys) {
    std::vector<Host> candidates = CoveringCandidates(key);
    // The most specific listener hostname covering key owns its requests.
    std::optional<Specificity> owner;
    const Host* owner_claim = nullptr;
    for (const Host& candidate : candidates) {
      if (socket.claims.contains(candidate) && Covers(candidate, key)) {
        Specificity specificity = SpecificityOf(candidate);
        if (!owner || specificity > *owner) {
          owner = specificity;
          owner_claim = &candidate;
        }
      }
    }
    std::vector<size_t> positions;
    if (owner) {
      for (const Host& candidate : candidates) {
        auto it = by_hostname.find(candidate);
        if (it == by_hostname.end() || !Covers(candidate, key)) continue;
        for (size_t position : it->second) {
          const RouteEntry& entry = *entries[position];
          if (SpecificityOf(entry.claim) == *owner && Covers(entry.claim, key)) {
            positions.push_back(position);
          }
        }
      }
    }
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    KeepMostSpecificIngressHost(entries, positions);
    ir::VirtualHost vhost{key.kind, key.name, {}, std::nullopt};
    if (socket.tls && owner_claim != nullptr && socket.sni_scoped_claims.contains(*owner_claim)) {
      vhost.sni_scope = owner_claim->name;
    }
    std::unordered_set<std::string> sources;
    for (size_t position : positions) {
      if (sources.insert(entries[position]->source).second) {
        vhost.routes.push_back(entries[position]->route);
      }
    }
    // A listener hostname is emitted even without routes: the data plane
    // never falls back to a less specific host, so its requests get a 404
    // instead of reaching another listener's routes.
    if (vhost.routes.empty() && !socket.claims.contains(key)) continue;
    listener.virtual_hosts.push_back(std::move(vhost));
  }
  std::sort(listener.virtual_hosts.begin(), listener.virtual_hosts.end(),
            [](const ir::VirtualHost& a, const ir::VirtualHost& b) {
              return std::tie(a.hostname, a.kind) < std::tie(b.hostname, b.kind);
            });
}

}  // namespace

ir::RouteConfig BuildRouteConfig(ConfigDraft draft) {
  std::vector<size_t> order(draft.entries.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return Before(draft.entries[a].precedence, draft.entries[b].precedence);
  });
  std::map<SocketKey, std::vector<const RouteEntry*>> by_socket;
  for (size_t index : order) {
    const RouteEntry& entry = draft.entries[index];
    if (draft.sockets.contains(entry.socket)) by_socket[entry.socket].push_back(&entry);
  }
  ir::RouteConfig config;
  for (const auto& [key, socket] : draft.sockets) {
    ir::Listener listener;
    listener.address = key.address;
    listener.port = socket.port;
    listener.bind_port = key.bind_port;
    listener.tls = socket.tls;
    listener.certificates = socket.certificates;
    BuildVirtualHosts(socket, by_socket[key], listener);
    config.listeners.push_back(std::move(listener));
  }
  std::sort(config.listeners.begin(), config.listeners.end(),
            [](const ir::Listener& a, const ir::Listener& b) {
              return std::tie(a.address, a.port, a.bind_port) <
                     std::tie(b.address, b.port, b.bind_port);
            });
  return config;
}

}  // namespace atrium::translate
