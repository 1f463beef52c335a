#include "proxy/table/route_table.h"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "proxy/table/cache_demote.h"
#include "proxy/table/compiled_host.h"
#include "proxy/table/host_index.h"

namespace atrium::table {
namespace {

std::atomic<int64_t> live_tables{0};

std::string ListenerIdentity(const ir::Listener& listener) {
  return listener.address + '\n' + std::to_string(listener.bind_port);
}

// HostNamesEqual: both listeners list the same hostnames, kinds and order,
// so a HostIndex of one (hostname -> position) serves the other.
bool HostNamesEqual(const ir::Listener& a, const ir::Listener& b) {
  if (a.virtual_hosts.size() != b.virtual_hosts.size()) return false;
  for (size_t i = 0; i < a.virtual_hosts.size(); ++i) {
    // Mostly the same objects (translate shares unchanged hosts): known
    // equal without reading thousands of hosts.
    if (a.virtual_hosts[i].SameObject(b.virtual_hosts[i])) continue;
    if (a.virtual_hosts[i]->kind != b.virtual_hosts[i]->kind ||
        a.virtual_hosts[i]->hostname != b.virtual_hosts[i]->hostname) {
      return false;
    }
  }
  return true;
}

}  // namespace

// CompileCache::State is what one Compile leaves for the next.
using CompiledHosts = std::vector<std::shared_ptr<const CompiledHost>>;

struct CompileCache::State {
  struct Listener {
    const ir::Listener* source;  // inside config
    // The compiled virtual hosts, by position in source->virtual_hosts
    // (the table's own list, shared: see CompiledListener::owned_hosts).
    std::shared_ptr<const CompiledHosts> hosts;
    std::shared_ptr<const HostIndex<uint32_t>> host_index;
    std::shared_ptr<const tls::CertificateSet> certificates;  // TLS listeners only
  };
  std::shared_ptr<const ir::RouteConfig> config;
  std::unordered_map<std::string, Listener> listeners;  // by ListenerIdentity
  EndpointSets endpoint_sets;
  size_t reused_hosts = 0;
  size_t built_hosts = 0;
  size_t reused_host_indexes = 0;
  size_t reused_certificate_sets = 0;
};

namespace {

bool HostKeyBefore(const ir::VirtualHost& a, const ir::VirtualHost& b) {
  return std::tie(a.hostname, a.kind) < std::tie(b.hostname, b.kind);
}

// PreviousHosts finds, for each virtual host of a listener, the compiled
// host of the equal virtual host of the same hostname in the same listener
// last time. Translate shares unchanged virtual hosts between
// configurations and lists them in hostname order, so the next previous one
// is almost always the very same object: a cursor finds it without
// comparing anything. Other hosts are looked up by hostname (a binary
// search when the previous list is sorted, as ir::Validate requires; an
// index otherwise).
class PreviousHosts {
 public:
  // Without a previous listener (null vhosts), nothing is found.
  PreviousHosts(const std::vector<SharedValue<ir::VirtualHost>>* vhosts,
                const std::vector<std::shared_ptr<const CompiledHost>>* hosts)
      : vhosts_(vhosts), hosts_(hosts) {}

  std::shared_ptr<const CompiledHost> Find(const SharedValue<ir::VirtualHost>& vhost) {
    if (vhosts_ == nullptr) return nullptr;
    const std::vector<SharedValue<ir::VirtualHost>>& before = *vhosts_;
    if (cursor_ < before.size() && before[cursor_].SameObject(vhost)) {
      return (*hosts_)[cursor_++];
    }
    std::optional<size_t> position = Locate(*vhost);
    if (!position) return nullptr;
    cursor_ = *position + 1;
    if (!(before[*position] == vhost)) return nullptr;  // same hostname, changed
    return (*hosts_)[*position];
  }

 private:
  std::optional<size_t> Locate(const ir::VirtualHost& vhost) {
    const std::vector<SharedValue<ir::VirtualHost>>& before = *vhosts_;
    if (!sorted_) {
      sorted_ = std::is_sorted(
          before.begin(), before.end(),
          [](const SharedValue<ir::VirtualHost>& a, const SharedValue<ir::VirtualHost>& b) {
            return HostKeyBefore(*a, *b);
          });
    }
    if (*sorted_) {
      auto it = std::lower_bound(before.begin(), before.end(), vhost,
                                 [](const SharedValue<ir::VirtualHost>& a,
                                    const ir::VirtualHost& b) { return HostKeyBefore(*a, b); });
      if (it == before.end() || (*it)->hostname != vhost.hostname || (*it)->kind != vhost.kind) {
        return std::nullopt;
      }
      return static_cast<size_t>(it - before.begin());
    }
    if (index_.empty()) {
      for (size_t i = 0; i < before.size(); ++i) {
        index_.try_emplace(std::make_pair(before[i]->kind, std::string_view(before[i]->hostname)),
                           i);
      }
    }
    auto it = index_.find(std::make_pair(vhost.kind, std::string_view(vhost.hostname)));
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

  struct KeyHash {
    size_t operator()(const std::pair<ir::HostnameKind, std::string_view>& key) const {
      return std::hash<std::string_view>{}(key.second) * 31 + static_cast<size_t>(key.first);
    }
  };

  const std::vector<SharedValue<ir::VirtualHost>>* vhosts_;
  const std::vector<std::shared_ptr<const CompiledHost>>* hosts_;
  size_t cursor_ = 0;
  std::optional<bool> sorted_;
  std::unordered_map<std::pair<ir::HostnameKind, std::string_view>, size_t, KeyHash> index_;
};

}  // namespace

CompileCache::CompileCache() = default;
CompileCache::~CompileCache() = default;
size_t CompileCache::reused_hosts() const { return state_ ? state_->reused_hosts : 0; }
size_t CompileCache::built_hosts() const { return state_ ? state_->built_hosts : 0; }
size_t CompileCache::reused_host_indexes() const {
  return state_ ? state_->reused_host_indexes : 0;
}
size_t CompileCache::reused_certificate_sets() const {
  return state_ ? state_->reused_certificate_sets : 0;
}

// CompiledListener is one socket's virtual hosts. host_index maps a Host
// header to a position in hosts. Both the index and the hosts are shared
// with other table versions (through a CompileCache) while they do not
// change: an endpoint change replaces one CompiledHost and the hosts array,
// and leaves the index, its keys and every other host warm in the readers'
// caches.
struct RouteTable::CompiledListener {
  ListenerKey key;
  const HostIndex<uint32_t>* host_index = nullptr;  // owned by shared_host_index
  // By position; the hosts are owned by owned_hosts. Each host's prefetch
  // hint sits next to its pointer, so that a lookup asks for the host and
  // everything it will read of it at once.
  struct HostRef {
    const CompiledHost* host;
    CompiledHost::PrefetchHint hint;
  };
  std::vector<HostRef> hosts;
  std::shared_ptr<const HostIndex<uint32_t>> shared_host_index;
  // Shared with the CompileCache as one list: keeping and dropping a
  // table's thousands of hosts there costs one reference count, not one
  // per host.
  std::shared_ptr<const CompiledHosts> owned_hosts;
  // By position, like hosts: the ir::VirtualHost::sni_scope of each host as
  // a number, kNoSniScope when it has none, and equal numbers for equal
  // scopes. 4 bytes a host instead of an optional<string>'s 40, and a
  // lookup compares numbers.
  static constexpr uint32_t kNoSniScope = 0;
  std::vector<uint32_t> sni_scopes;
  // TLS listeners: the parsed certificates, shared with other table
  // versions while the listener's PEMs do not change.
  std::shared_ptr<const tls::CertificateSet> certificates;
};

std::string NormalizeHost(std::string_view host) {
  return HostIndexKey(ir::HostnameKind::kExact, host);
}

RouteTable::RouteTable() = default;

std::unique_ptr<RouteTable> RouteTable::Compile(const ir::RouteConfig& config, uint64_t generation,
                                                std::vector<std::string>* errors) {
  return Compile(config, generation, errors, nullptr);
}

std::unique_ptr<RouteTable> RouteTable::Compile(const ir::RouteConfig& config, uint64_t generation,
                                                std::vector<std::string>* errors,
                                                CompileCache* cache) {
  return Compile(std::make_shared<const ir::RouteConfig>(config), generation, errors, cache);
}

std::unique_ptr<RouteTable> RouteTable::Compile(
    std::shared_ptr<const ir::RouteConfig> shared_config, uint64_t generation,
    std::vector<std::string>* errors, CompileCache* cache) {
  if (shared_config == nullptr) shared_config = std::make_shared<const ir::RouteConfig>();
  auto table = std::unique_ptr<RouteTable>(new RouteTable());
  live_tables.fetch_add(1, std::memory_order_relaxed);
  table->generation_ = generation;
  table->config_ = shared_config;

  const CompileCache::State* previous = cache != nullptr ? cache->state_.get() : nullptr;
  std::unique_ptr<CompileCache::State> next;
  if (cache != nullptr) next = std::make_unique<CompileCache::State>();
  // Every use of one backend shares one EndpointSet within a table.
  EndpointSetPool endpoint_sets(previous != nullptr ? &previous->endpoint_sets : nullptr);

  table->listeners_.reserve(shared_config->listeners.size());
  for (const ir::Listener& listener : shared_config->listeners) {
    CompiledListener& compiled = table->listeners_.emplace_back();
    compiled.key = {listener.address, listener.bind_port, listener.port, listener.tls};
    auto owned_hosts = std::make_shared<CompiledHosts>();
    owned_hosts->reserve(listener.virtual_hosts.size());
    compiled.hosts.reserve(listener.virtual_hosts.size());
    compiled.sni_scopes.reserve(listener.virtual_hosts.size());

    std::string listener_identity;
    const CompileCache::State::Listener* before = nullptr;
    if (next != nullptr) listener_identity = ListenerIdentity(listener);
    if (previous != nullptr) {
      auto it = previous->listeners.find(listener_identity);
      if (it != previous->listeners.end()) before = &it->second;
    }
    // Compiled hosts depend on the listener's port (redirects) and TLS.
    const bool hosts_reusable = before != nullptr && before->source->port == listener.port &&
                                before->source->tls == listener.tls;
    PreviousHosts previous_hosts(hosts_reusable ? &before->source->virtual_hosts : nullptr,
                                 hosts_reusable ? before->hosts.get() : nullptr);
    std::unordered_map<std::string_view, uint32_t> scope_numbers;
    for (const SharedValue<ir::VirtualHost>& shared_vhost : listener.virtual_hosts) {
      const ir::VirtualHost& vhost = *shared_vhost;
      uint32_t scope = CompiledListener::kNoSniScope;
      if (vhost.sni_scope) {
        const auto next = static_cast<uint32_t>(scope_numbers.size() + 1);
        scope = scope_numbers.try_emplace(*vhost.sni_scope, next).first->second;
      }
      compiled.sni_scopes.push_back(scope);
      std::shared_ptr<const CompiledHost> host = previous_hosts.Find(shared_vhost);
      const bool built = host == nullptr;
      if (!built) {
        // Replaying the pairs in order leaves the pool as building did ("last wins").
        host->ForEachEndpointSet([&endpoint_sets](const std::string& name,
                                                  const std::shared_ptr<const EndpointSet>& set) {
          endpoint_sets.Adopt(name, set);
        });
        ++next->reused_hosts;
      } else {
        host = CompiledHost::Build(vhost, listener.port, listener.tls, endpoint_sets);
        if (next != nullptr) ++next->built_hosts;
      }
      if (errors != nullptr) {
        errors->insert(errors->end(), host->errors().begin(), host->errors().end());
      }
      table->route_count_ += host->action_count();
      ++table->host_count_;
      compiled.hosts.push_back({host.get(), host->prefetch_hint()});
      // A new host leaves the writer's caches now that the writer is done
      // with it; a reused one did when it was built.
      if (built) host->DemoteToSharedCache();
      owned_hosts->push_back(std::move(host));
    }

    if (before != nullptr && HostNamesEqual(*before->source, listener)) {
      compiled.shared_host_index = before->host_index;
      ++next->reused_host_indexes;
    }
    if (listener.tls && before != nullptr && before->certificates != nullptr &&
        before->source->certificates == listener.certificates) {
      compiled.certificates = before->certificates;
      ++next->reused_certificate_sets;
    }
    if (listener.tls && compiled.certificates == nullptr) {
      compiled.certificates = tls::CertificateSet::Build(listener.certificates,
                                                         static_cast<int64_t>(std::time(nullptr)));
    }
    if (compiled.certificates != nullptr && errors != nullptr) {
      for (const std::string& error : compiled.certificates->errors()) {
        errors->push_back("listener " + (listener.address.empty() ? "*" : listener.address) + ":" +
                          std::to_string(listener.bind_port) + ": " + error);
      }
    }
    if (compiled.shared_host_index == nullptr) {
      std::vector<HostIndex<uint32_t>::Entry> entries;
      entries.reserve(listener.virtual_hosts.size());
      for (const SharedValue<ir::VirtualHost>& vhost : listener.virtual_hosts) {
        entries.push_back({vhost->kind, vhost->hostname, static_cast<uint32_t>(entries.size())});
      }
      compiled.shared_host_index = std::make_shared<const HostIndex<uint32_t>>(entries);
    }
    compiled.host_index = compiled.shared_host_index.get();
    compiled.owned_hosts = owned_hosts;
    if (next != nullptr) {
      next->listeners.try_emplace(
          std::move(listener_identity),
          CompileCache::State::Listener{&listener, std::move(owned_hosts),
                                        compiled.shared_host_index, compiled.certificates});
    }
  }
  for (const auto& [name, set] : endpoint_sets.sets()) {
    table->endpoint_count_ += set->endpoints.size();
  }
  if (next != nullptr) {
    next->config = std::move(shared_config);
    next->endpoint_sets = endpoint_sets.TakeSets();
    cache->state_ = std::move(next);
  }
  return table;
}

RouteTable::~RouteTable() { live_tables.fetch_sub(1, std::memory_order_relaxed); }

int64_t RouteTable::LiveCount() { return live_tables.load(std::memory_order_relaxed); }

void RouteTable::DemoteToSharedCache() const {
  table::DemoteToSharedCache(this, sizeof(*this));
  table::DemoteToSharedCache(listeners_.data(), listeners_.size() * sizeof(CompiledListener));
  for (const CompiledListener& listener : listeners_) {
    listener.host_index->DemoteToSharedCache();
    table::DemoteToSharedCache(listener.hosts.data(),
                               listener.hosts.size() * sizeof(CompiledListener::HostRef));
  }
}

std::vector<ListenerKey> RouteTable::Listeners() const {
  std::vector<ListenerKey> keys;
  keys.reserve(listeners_.size());
  for (const CompiledListener& listener : listeners_) keys.push_back(listener.key);
  return keys;
}

// Inline: Lookup calls it on every request.
inline const RouteTable::CompiledListener* RouteTable::FindListener(std::string_view address,
                                                                    uint16_t bind_port) const {
  // A listener on the exact address wins over one on all addresses ("")
  // with the same port.
  const CompiledListener* listener = nullptr;
  for (const CompiledListener& candidate : listeners_) {
    if (candidate.key.bind_port != bind_port) continue;
    // Most listeners bind all addresses: "" is told apart without memcmp.
    if (candidate.key.address.empty()) {
      if (address.empty()) return &candidate;
      if (listener == nullptr) listener = &candidate;
    } else if (candidate.key.address == address) {
      return &candidate;
    }
  }
  return listener;
}

std::shared_ptr<const tls::ServerCertificate> RouteTable::SelectCertificate(
    std::string_view address, uint16_t bind_port, std::string_view server_name) const {
  const CompiledListener* listener = FindListener(address, bind_port);
  if (listener == nullptr || listener->certificates == nullptr) return nullptr;
  const std::shared_ptr<const tls::ServerCertificate>* certificate =
      listener->certificates->Select(server_name);
  return certificate != nullptr ? *certificate : nullptr;
}

LookupResult RouteTable::Lookup(const RequestView& request) const {
  LookupResult result{404, nullptr, generation_};
  const CompiledListener* listener = FindListener(request.address, request.bind_port);
  if (listener == nullptr) return result;

  const uint32_t* position = listener->host_index->Find(request.host);
  if (position == nullptr) return result;
  // Plain-text requests (no SNI) never read sni_scopes: one cache line
  // fewer on the hot path.
  if (!request.server_name.empty()) {
    const uint32_t scope = listener->sni_scopes[*position];
    if (scope != CompiledListener::kNoSniScope) {
      // The SNI chose a Gateway listener: only its hosts serve the connection.
      const uint32_t* chosen = listener->host_index->Find(request.server_name);
      if (chosen == nullptr || listener->sni_scopes[*chosen] != scope) return result;
    }
  }
  const CompiledListener::HostRef& ref = listener->hosts[*position];
  ref.hint.Prefetch();
  const CompiledHost* host = ref.host;
  const uint32_t index = host->Match(request);
  if (index == CompiledHost::kNoRoute) return result;
  result.status = 0;
  result.action = host->action(index);
  return result;
}

}  // namespace atrium::table
