#include "controller/translate/config_draft.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_set>

namespace atrium::translate {
namespace {

bool IsIngressRule(const RouteEntry& entry) {
  return entry.precedence.kind == "Ingress" && !entry.precedence.fallback;
}

using Entries = std::vector<std::shared_ptr<const RouteEntry>>;

// KeepMostSpecificIngressHost drops the Ingress rules of less specific hosts
// from positions. Ingress has no cross-host precedence in its spec; users
// coming from ingress-nginx (and Contour) expect a host's rules to own its
// requests: with rules for foo.bar.com and *.bar.com, a request for
// foo.bar.com only ever sees the foo.bar.com rules (and the default
// backend). HTTPRoute rules are left merged across hostnames, as the
// Gateway API requires (conformance: HTTPRouteMatchingAcrossRoutes).
void KeepMostSpecificIngressHost(const Entries& entries, std::vector<size_t>& positions) {
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

// KeepFirstOfEachSource drops every entry whose source (object, rule,
// match) an earlier entry already serves: entries of one source reached
// through several listener hostnames carry the same route.
void KeepFirstOfEachSource(const Entries& entries, std::vector<size_t>& positions) {
  std::unordered_set<std::string_view> sources;
  std::erase_if(positions,
                [&](size_t position) { return !sources.insert(entries[position]->source).second; });
}

// SameEntries tells whether positions pick exactly the entry objects built
// lists, in that order.
bool SameEntries(const Entries& entries, const std::vector<size_t>& positions,
                 const Entries& built) {
  if (positions.size() != built.size()) return false;
  for (size_t i = 0; i < positions.size(); ++i) {
    if (entries[positions[i]] != built[i]) return false;
  }
  return true;
}

// Builder builds the virtual hosts of one configuration, reusing those of
// the previous one (through cache) whose entries did not change.
class Builder {
 public:
  Builder(const Entries& entries, VirtualHostCache::State* previous, VirtualHostCache::State* next)
      : entries_(entries), previous_(previous), next_(next) {}

  // BuildVirtualHosts fills listener.virtual_hosts for one socket. positions
  // are the socket's entries, in draft order.
  void BuildVirtualHosts(const SocketKey& socket_key, const Socket& socket,
                         const std::vector<size_t>& positions_of_socket, ir::Listener& listener);

 private:
  SharedValue<ir::VirtualHost> VirtualHostFor(const SocketKey& socket_key, const Host& key,
                                              const std::vector<size_t>& positions,
                                              std::optional<std::string> sni_scope);

  const Entries& entries_;
  VirtualHostCache::State* previous_;
  VirtualHostCache::State* next_;
};

void Builder::BuildVirtualHosts(const SocketKey& socket_key, const Socket& socket,
                                const std::vector<size_t>& positions_of_socket,
                                ir::Listener& listener) {
  std::map<Host, std::vector<size_t>> by_hostname;  // positions in entries_, ascending
  std::set<Host> keys(socket.claims.begin(), socket.claims.end());
  for (size_t position : positions_of_socket) {
    by_hostname[entries_[position]->hostname].push_back(position);
    keys.insert(entries_[position]->hostname);
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
          const RouteEntry& entry = *entries_[position];
          if (SpecificityOf(entry.claim) == *owner && Covers(entry.claim, key)) {
            positions.push_back(position);
          }
        }
      }
    }
    // Precedence order; entries of equal precedence keep their draft order.
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    std::stable_sort(positions.begin(), positions.end(), [this](size_t a, size_t b) {
      return Before(entries_[a]->precedence, entries_[b]->precedence);
    });
    KeepMostSpecificIngressHost(entries_, positions);
    KeepFirstOfEachSource(entries_, positions);
    // A listener hostname is emitted even without routes: the data plane
    // never falls back to a less specific host, so its requests get a 404
    // instead of reaching another listener's routes.
    if (positions.empty() && !socket.claims.contains(key)) continue;
    std::optional<std::string> sni_scope;
    if (socket.tls && owner_claim != nullptr && socket.sni_scoped_claims.contains(*owner_claim)) {
      sni_scope = owner_claim->name;
    }
    listener.virtual_hosts.push_back(
        VirtualHostFor(socket_key, key, positions, std::move(sni_scope)));
  }
  std::sort(listener.virtual_hosts.begin(), listener.virtual_hosts.end(),
            [](const SharedValue<ir::VirtualHost>& a, const SharedValue<ir::VirtualHost>& b) {
              return std::tie(a->hostname, a->kind) < std::tie(b->hostname, b->kind);
            });
}

SharedValue<ir::VirtualHost> Builder::VirtualHostFor(const SocketKey& socket_key, const Host& key,
                                                     const std::vector<size_t>& positions,
                                                     std::optional<std::string> sni_scope) {
  VirtualHostCache::Key cache_key{socket_key, key};
  if (previous_ != nullptr) {
    auto it = previous_->hosts.find(cache_key);
    if (it != previous_->hosts.end() && it->second.sni_scope == sni_scope &&
        SameEntries(entries_, positions, it->second.entries)) {
      SharedValue<ir::VirtualHost> vhost = it->second.vhost;
      ++next_->reused;
      next_->hosts.insert_or_assign(std::move(cache_key), std::move(it->second));
      return vhost;
    }
  }
  ir::VirtualHost vhost{key.kind, key.name, {}, sni_scope};
  vhost.routes.reserve(positions.size());
  for (size_t position : positions) vhost.routes.push_back(entries_[position]->route);
  SharedValue<ir::VirtualHost> shared(std::move(vhost));
  if (next_ != nullptr) {
    Entries served;
    served.reserve(positions.size());
    for (size_t position : positions) served.push_back(entries_[position]);
    ++next_->built;
    next_->hosts.insert_or_assign(
        std::move(cache_key),
        VirtualHostCache::Built{std::move(served), std::move(sni_scope), shared});
  }
  return shared;
}

}  // namespace

ir::RouteConfig BuildRouteConfig(ConfigDraft draft, VirtualHostCache* cache) {
  std::map<SocketKey, std::vector<size_t>> by_socket;  // positions in draft.entries
  for (size_t i = 0; i < draft.entries.size(); ++i) {
    const SocketKey& socket = draft.entries[i]->socket;
    if (draft.sockets.contains(socket)) by_socket[socket].push_back(i);
  }
  VirtualHostCache::State next;
  Builder builder(draft.entries, cache != nullptr ? &cache->state_ : nullptr,
                  cache != nullptr ? &next : nullptr);
  ir::RouteConfig config;
  for (const auto& [key, socket] : draft.sockets) {
    ir::Listener listener;
    listener.address = key.address;
    listener.port = socket.port;
    listener.bind_port = key.bind_port;
    listener.tls = socket.tls;
    listener.certificates = socket.certificates;
    builder.BuildVirtualHosts(key, socket, by_socket[key], listener);
    config.listeners.push_back(std::move(listener));
  }
  std::sort(config.listeners.begin(), config.listeners.end(),
            [](const ir::Listener& a, const ir::Listener& b) {
              return std::tie(a.address, a.port, a.bind_port) <
                     std::tie(b.address, b.port, b.bind_port);
            });
  if (cache != nullptr) cache->state_ = std::move(next);
  return config;
}

}  // namespace atrium::translate
