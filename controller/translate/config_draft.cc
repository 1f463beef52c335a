#include "controller/translate/config_draft.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "controller/state/cluster_state.h"

namespace atrium::translate {
namespace {

bool IsIngressRule(const RouteEntry& entry) {
  return entry.precedence.kind == state::kIngress && !entry.precedence.fallback;
}

using Entries = VirtualHostCache::Entries;

// KeepMostSpecificIngressHost drops the Ingress rules of less specific hosts
// from positions. Ingress has no cross-host precedence in its spec; users
// coming from ingress-nginx (and Contour) expect a host's rules to own its
// requests: with rules for foo.bar.com and *.bar.com, a request for
// foo.bar.com only ever sees the foo.bar.com rules (and the default
// backend). HTTPRoute rules are left merged across hostnames, as the
// Gateway API requires (conformance: HTTPRouteMatchingAcrossRoutes).
void KeepMostSpecificIngressHost(const DraftEntries& entries, std::vector<size_t>& positions) {
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

// KeepFirstOfEachOrigin drops every entry whose origin (object, rule,
// match) an earlier entry already serves: entries of one origin reached
// through several listener hostnames carry the same route.
void KeepFirstOfEachOrigin(const DraftEntries& entries, std::vector<size_t>& positions) {
  using Origin =
      std::tuple<std::string_view, std::string_view, std::string_view, uint32_t, uint32_t, bool>;
  std::set<Origin> origins;
  std::erase_if(positions, [&](size_t position) {
    const PrecedenceKey& key = entries[position]->precedence;
    return !origins
                .emplace(key.kind, key.ns, key.name, key.rule_index, key.match_index, key.fallback)
                .second;
  });
}

// SameEntries tells whether positions pick exactly the entry objects of
// built, in that order.
bool SameEntries(const DraftEntries& entries, const std::vector<size_t>& positions,
                 const Entries& built) {
  if (positions.size() != built.size()) return false;
  for (size_t i = 0; i < positions.size(); ++i) {
    if (entries[positions[i]] != built[i]) return false;
  }
  return true;
}

Entries EntriesAt(const DraftEntries& entries, const std::vector<size_t>& positions) {
  Entries picked;
  picked.reserve(positions.size());
  for (size_t position : positions) picked.push_back(entries[position]);
  return picked;
}

bool VirtualHostBefore(const SharedValue<ir::VirtualHost>& a,
                       const SharedValue<ir::VirtualHost>& b) {
  return std::tie(a->hostname, a->kind) < std::tie(b->hostname, b->kind);
}

Host KeyOf(const ir::VirtualHost& vhost) { return Host{vhost.kind, vhost.hostname}; }

bool IsWildcard(const Host& host) {
  return host.kind != ir::HostnameKind::kExact && host.kind != ir::HostnameKind::kAny;
}

// A build that finds more changed hostnames than this on a socket rebuilds
// the whole socket (scanning for the hosts each one covers would cost more).
constexpr size_t kMaxIncrementalHostnames = 64;

using SocketState = VirtualHostCache::SocketState;

// SocketBuilder builds the virtual hosts of one socket. An entry is known
// by its address: the memo hands unchanged entries from pass to pass as the
// same objects, so comparing two passes' entries compares pointers.
class SocketBuilder {
 public:
  SocketBuilder(const DraftEntries& entries, const Socket& socket,
                const std::vector<size_t>& positions)
      : entries_(entries), socket_(socket), positions_(positions) {
    by_address_.reserve(positions.size());
    for (size_t position : positions) by_address_.emplace_back(entries_[position].get(), position);
    std::sort(by_address_.begin(), by_address_.end());
  }

  // Build returns the socket's state after this build. previous is the
  // state of the last build (consumed), or null.
  SocketState Build(SocketState* previous, size_t& reused, size_t& built);

 private:
  // ChangedHostnames lists the hostnames whose entries differ from
  // previous's, or nullopt when there are too many to rebuild piecemeal;
  // added receives the draft positions of the entries previous lacks.
  std::optional<std::set<Host>> ChangedHostnames(const SocketState& previous,
                                                 std::vector<size_t>& added) const;
  SocketState BuildAll(SocketState* previous, size_t& reused, size_t& built);
  SocketState BuildChanged(SocketState previous, const std::set<Host>& changed,
                           const std::vector<size_t>& added, size_t& reused, size_t& built);
  // BuildHost builds the virtual host for key into state.hosts (reusing,
  // previous's when its entries are the same); false when key has none.
  bool BuildHost(const Host& key, std::optional<VirtualHostCache::Built> previous,
                 SocketState& state, size_t& reused, size_t& built) const;
  // Candidates lists the hosts that could cover key on this socket:
  // CoveringCandidates(key), or, when no claim and no entry hostname on the
  // socket is a wildcard (the common case), only key itself and kAny, without
  // building every parent wildcard of every hostname.
  std::vector<Host> Candidates(const Host& key) const {
    if (wildcards_) return CoveringCandidates(key);
    std::vector<Host> candidates{key};
    if (key.kind != ir::HostnameKind::kAny) candidates.push_back(Host{});
    return candidates;
  }
  // NoteWildcards sets wildcards_ for the hosts state holds (from its
  // count of wildcard buckets: a pass reads no node of the thousands).
  void NoteWildcards(const SocketState& state) {
    wildcards_ = std::any_of(socket_.claims.begin(), socket_.claims.end(), IsWildcard) ||
                 state.wildcard_buckets > 0;
  }
  // FindPosition is the draft position of entry, if it is one of the
  // socket's entries in this draft.
  std::optional<size_t> FindPosition(const RouteEntry* entry) const {
    auto it =
        std::lower_bound(by_address_.begin(), by_address_.end(), std::make_pair(entry, size_t{0}));
    if (it == by_address_.end() || it->first != entry) return std::nullopt;
    return it->second;
  }
  size_t PositionOf(const RouteEntry* entry) const { return *FindPosition(entry); }
  std::vector<const RouteEntry*> Addresses() const {
    std::vector<const RouteEntry*> addresses;
    addresses.reserve(by_address_.size());
    for (const auto& [address, position] : by_address_) addresses.push_back(address);
    return addresses;
  }

  const DraftEntries& entries_;
  const Socket& socket_;
  const std::vector<size_t>& positions_;  // the socket's entries in draft order
  std::vector<std::pair<const RouteEntry*, size_t>> by_address_;  // sorted
  bool wildcards_ = true;                                         // see Candidates
};

SocketState SocketBuilder::Build(SocketState* previous, size_t& reused, size_t& built) {
  if (previous != nullptr && previous->claims == socket_.claims &&
      previous->sni_scoped_claims == socket_.sni_scoped_claims && previous->tls == socket_.tls) {
    std::vector<size_t> added;
    if (std::optional<std::set<Host>> changed = ChangedHostnames(*previous, added)) {
      if (changed->empty()) {
        reused += previous->vhosts.size();
        return std::move(*previous);
      }
      return BuildChanged(std::move(*previous), *changed, added, reused, built);
    }
  }
  return BuildAll(previous, reused, built);
}

std::optional<std::set<Host>> SocketBuilder::ChangedHostnames(const SocketState& previous,
                                                              std::vector<size_t>& added) const {
  std::set<Host> changed;
  auto add = [&changed](const RouteEntry* entry) {
    // kAny covers every host: that change rebuilds the whole socket anyway.
    if (entry->hostname.kind == ir::HostnameKind::kAny) return false;
    changed.insert(entry->hostname);
    return changed.size() <= kMaxIncrementalHostnames;
  };
  // Both sides sorted by address: a merge finds the entries on one side only.
  const std::vector<const RouteEntry*>& before = previous.entry_addresses;
  size_t i = 0;
  size_t j = 0;
  while (i < by_address_.size() || j < before.size()) {
    if (j == before.size() || (i < by_address_.size() && by_address_[i].first < before[j])) {
      added.push_back(by_address_[i].second);
      if (!add(by_address_[i++].first)) return std::nullopt;  // added
    } else if (i == by_address_.size() || before[j] < by_address_[i].first) {
      if (!add(before[j++])) return std::nullopt;  // removed
    } else {
      ++i;
      ++j;
    }
  }
  return changed;
}

SocketState SocketBuilder::BuildAll(SocketState* previous, size_t& reused, size_t& built) {
  SocketState state;
  state.claims = socket_.claims;
  state.sni_scoped_claims = socket_.sni_scoped_claims;
  state.tls = socket_.tls;
  state.entry_addresses = Addresses();
  // The previous build's nodes are taken over, each with the virtual host
  // it holds, instead of allocated anew: a full build of thousands of
  // hostnames would otherwise allocate a node, a key and a bucket for each
  // while the previous map still holds its own, then free those, leaving
  // thousands of free slots among the routes' long-lived records that the
  // allocator cannot give back.
  decltype(state.hosts) before;
  if (previous != nullptr) before = std::move(previous->hosts);
  for (size_t position : positions_) {
    const Host& hostname = entries_[position]->hostname;
    auto it = state.hosts.find(hostname);
    if (it == state.hosts.end()) {
      if (auto node = before.extract(hostname)) {
        node.mapped().bucket.clear();
        it = state.hosts.insert(std::move(node)).position;
      } else {
        it = state.hosts.try_emplace(hostname).first;
      }
    }
    it->second.bucket.push_back(entries_[position]);
  }
  state.wildcard_buckets =
      static_cast<size_t>(std::count_if(state.hosts.begin(), state.hosts.end(),
                                        [](const auto& host) { return IsWildcard(host.first); }));
  NoteWildcards(state);
  auto build = [&](const Host& key) {
    // The virtual host last built for key: in its node, taken over above,
    // or (a listener hostname no entry has) still in the previous map.
    std::optional<VirtualHostCache::Built> last;
    if (auto it = state.hosts.find(key); it != state.hosts.end()) {
      last = std::exchange(it->second.built, std::nullopt);
    } else if (auto old = before.find(key); old != before.end()) {
      last = std::move(old->second.built);
    }
    if (BuildHost(key, std::move(last), state, reused, built)) {
      state.vhosts.push_back(state.hosts.at(key).built->vhost);
    }
  };
  // Claims first: building one may add its hostname to the map, which the
  // loop below must not see happen. That loop only fills existing entries.
  for (const Host& claim : socket_.claims) build(claim);
  for (const auto& [host, host_state] : state.hosts) {
    if (!host_state.bucket.empty() && !socket_.claims.contains(host)) build(host);
  }
  std::sort(state.vhosts.begin(), state.vhosts.end(), VirtualHostBefore);
  return state;
}

SocketState SocketBuilder::BuildChanged(SocketState state, const std::set<Host>& changed,
                                        const std::vector<size_t>& added, size_t& reused,
                                        size_t& built) {
  // The changed hostnames' buckets, in draft order: what is left of the
  // previous bucket, and the added entries with that hostname (found from
  // the few entries that changed, not by scanning the socket's thousands).
  for (const Host& hostname : changed) {
    std::vector<size_t> positions;
    auto it = state.hosts.find(hostname);
    if (it != state.hosts.end() && IsWildcard(hostname) && !it->second.bucket.empty()) {
      --state.wildcard_buckets;  // counted again below if its bucket stays non-empty
    }
    if (it != state.hosts.end()) {
      for (const std::shared_ptr<const RouteEntry>& entry : it->second.bucket) {
        if (std::optional<size_t> position = FindPosition(entry.get())) {
          positions.push_back(*position);
        }
      }
    }
    for (size_t position : added) {
      if (entries_[position]->hostname == hostname) positions.push_back(position);
    }
    if (positions.empty()) {
      if (it != state.hosts.end()) it->second.bucket.clear();
      continue;
    }
    std::sort(positions.begin(), positions.end());
    state.hosts[hostname].bucket = EntriesAt(entries_, positions);
    if (IsWildcard(hostname)) ++state.wildcard_buckets;
  }
  state.entry_addresses = Addresses();
  NoteWildcards(state);
  // The virtual hosts a changed hostname can reach: its own, and, for a
  // wildcard, every hostname it covers (claims are always among the hosts).
  std::set<Host> affected;
  for (const Host& hostname : changed) {
    affected.insert(hostname);
    if (hostname.kind == ir::HostnameKind::kExact) continue;
    for (const auto& [key, host_state] : state.hosts) {
      if ((host_state.built || !host_state.bucket.empty()) && Covers(hostname, key)) {
        affected.insert(key);
      }
    }
  }
  std::vector<SharedValue<ir::VirtualHost>> rebuilt;
  for (const Host& key : affected) {
    std::optional<VirtualHostCache::Built> before;
    bool has_entries = false;
    if (auto it = state.hosts.find(key); it != state.hosts.end()) {
      before = std::exchange(it->second.built, std::nullopt);
      has_entries = !it->second.bucket.empty();
    }
    const bool is_key = socket_.claims.contains(key) || has_entries;
    if (is_key && BuildHost(key, std::move(before), state, reused, built)) {
      rebuilt.push_back(state.hosts.at(key).built->vhost);
    }
  }
  // A hostname left with neither entries nor a virtual host is forgotten.
  for (const Host& key : affected) {
    auto it = state.hosts.find(key);
    if (it != state.hosts.end() && it->second.bucket.empty() && !it->second.built) {
      state.hosts.erase(it);
    }
  }
  // The unaffected virtual hosts keep their order; the rebuilt ones go in
  // their place. Both lists are sorted, and the affected hosts are few: each
  // is found by binary search, so the thousands of others are only copied.
  std::vector<SharedValue<ir::VirtualHost>>& before = state.vhosts;
  auto position_of = [&before](const Host& key) {
    return static_cast<size_t>(
        std::lower_bound(before.begin(), before.end(), key,
                         [](const SharedValue<ir::VirtualHost>& vhost, const Host& wanted) {
                           return std::tie(vhost->hostname, vhost->kind) <
                                  std::tie(wanted.name, wanted.kind);
                         }) -
        before.begin());
  };
  std::vector<size_t> dropped;  // positions in before
  for (const Host& key : affected) {
    const size_t position = position_of(key);
    if (position < before.size() && KeyOf(before[position]) == key) dropped.push_back(position);
  }
  std::sort(dropped.begin(), dropped.end());
  std::sort(rebuilt.begin(), rebuilt.end(), VirtualHostBefore);
  std::vector<size_t> inserted_at;  // positions in before, ascending like rebuilt
  inserted_at.reserve(rebuilt.size());
  for (const SharedValue<ir::VirtualHost>& vhost : rebuilt) {
    inserted_at.push_back(position_of(KeyOf(vhost)));
  }
  std::vector<SharedValue<ir::VirtualHost>> vhosts;
  vhosts.reserve(before.size() - dropped.size() + rebuilt.size());
  size_t next_dropped = 0;
  size_t next_inserted = 0;
  for (size_t i = 0; i <= before.size(); ++i) {
    while (next_inserted < rebuilt.size() && inserted_at[next_inserted] == i) {
      vhosts.push_back(std::move(rebuilt[next_inserted++]));
    }
    if (i == before.size()) break;
    if (next_dropped < dropped.size() && dropped[next_dropped] == i) {
      ++next_dropped;
      continue;
    }
    vhosts.push_back(std::move(before[i]));
  }
  reused += before.size() - dropped.size();
  state.vhosts = std::move(vhosts);
  return state;
}

bool SocketBuilder::BuildHost(const Host& key, std::optional<VirtualHostCache::Built> previous,
                              SocketState& state, size_t& reused, size_t& built) const {
  std::vector<Host> candidates = Candidates(key);
  // The most specific listener hostname covering key owns its requests.
  std::optional<Specificity> owner;
  const Host* owner_claim = nullptr;
  for (const Host& candidate : candidates) {
    if (socket_.claims.contains(candidate) && Covers(candidate, key)) {
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
      auto it = state.hosts.find(candidate);
      if (it == state.hosts.end() || !Covers(candidate, key)) continue;
      for (const std::shared_ptr<const RouteEntry>& entry : it->second.bucket) {
        if (SpecificityOf(entry->claim) == *owner && Covers(entry->claim, key)) {
          positions.push_back(PositionOf(entry.get()));
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
  KeepFirstOfEachOrigin(entries_, positions);
  // A listener hostname is emitted even without routes: the data plane
  // never falls back to a less specific host, so its requests get a 404
  // instead of reaching another listener's routes.
  if (positions.empty() && !socket_.claims.contains(key)) return false;
  std::optional<std::string> sni_scope;
  if (socket_.tls && owner_claim != nullptr && socket_.sni_scoped_claims.contains(*owner_claim)) {
    sni_scope = owner_claim->name;
  }
  if (previous && previous->vhost->sni_scope == sni_scope &&
      SameEntries(entries_, positions, previous->entries)) {
    ++reused;
    state.hosts[key].built = std::move(previous);
    return true;
  }
  ir::VirtualHost vhost{key.kind, key.name, {}, std::move(sni_scope)};
  vhost.routes.reserve(positions.size());
  for (size_t position : positions) vhost.routes.push_back(entries_[position]->route);
  ++built;
  state.hosts[key].built = VirtualHostCache::Built{EntriesAt(entries_, positions),
                                                   SharedValue<ir::VirtualHost>(std::move(vhost))};
  return true;
}

}  // namespace

ir::RouteConfig BuildRouteConfig(ConfigDraft draft, VirtualHostCache* cache) {
  std::map<SocketKey, std::vector<size_t>> by_socket;  // positions in draft.entries
  // Runs of entries share a socket (a route's entries, and routes attached
  // to one listener, come in a row): a run costs one comparison an entry,
  // not two map lookups.
  const SocketKey* run_socket = nullptr;
  std::vector<size_t>* run_positions = nullptr;  // null: the run's socket is not in the draft
  for (size_t i = 0; i < draft.entries.size(); ++i) {
    const SocketKey& socket = draft.entries[i]->socket;
    if (run_socket == nullptr || !(socket == *run_socket)) {
      run_socket = &socket;
      run_positions = draft.sockets.contains(socket) ? &by_socket[socket] : nullptr;
    }
    if (run_positions != nullptr) run_positions->push_back(i);
  }
  VirtualHostCache::State next;
  ir::RouteConfig config;
  for (const auto& [key, socket] : draft.sockets) {
    ir::Listener listener;
    listener.address = key.address;
    listener.port = socket.port;
    listener.bind_port = key.bind_port;
    listener.tls = socket.tls;
    listener.certificates = socket.certificates;
    SocketState* previous = nullptr;
    if (cache != nullptr) {
      auto it = cache->state_.sockets.find(key);
      if (it != cache->state_.sockets.end()) previous = &it->second;
    }
    SocketState state = SocketBuilder(draft.entries, socket, by_socket[key])
                            .Build(previous, next.reused, next.built);
    listener.virtual_hosts = state.vhosts;
    if (cache != nullptr) next.sockets.emplace(key, std::move(state));
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
