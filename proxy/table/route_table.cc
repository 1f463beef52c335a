#include "proxy/table/route_table.h"

#include <array>
#include <atomic>
#include <cctype>
#include <limits>
#include <map>
#include <unordered_map>

#include "proxy/table/route_matcher.h"

namespace atrium::table {
namespace {

// StringHash/StringEqual make unordered_map<std::string, ...> searchable by
// string_view without building a std::string on the lookup path.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringIndex = std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>;

std::atomic<int64_t> live_tables{0};

constexpr uint32_t kNoRoute = std::numeric_limits<uint32_t>::max();
constexpr size_t kMaxHostLength = 255;

// KeepFirst records index under key unless a higher-precedence (smaller)
// index is already there.
void KeepFirst(StringIndex& index, const std::string& key, uint32_t value) {
  index.try_emplace(key, value);
}

uint32_t Find(const StringIndex& index, std::string_view key) {
  auto it = index.find(key);
  return it == index.end() ? kNoRoute : it->second;
}

}  // namespace

// CompiledHost is one VirtualHost: its routes in precedence order plus
// indexes that find the best path-only route without testing each one.
struct CompiledHost {
  std::vector<std::unique_ptr<RouteMatcher>> matchers;
  std::vector<std::shared_ptr<const RouteAction>> actions;
  StringIndex exact_paths;    // path -> first path-only Exact route
  StringIndex prefix_paths;   // normalized prefix -> first path-only Prefix route
  std::vector<uint32_t> others;  // routes that must be tested, ascending

  uint32_t Match(const RequestView& request) const {
    uint32_t best = Find(exact_paths, request.path);
    if (!prefix_paths.empty()) {
      // Every prefix that can match: "" (root), each "/seg" boundary, and
      // the whole path.
      const std::string_view path = request.path;
      auto consider = [&](std::string_view prefix) {
        uint32_t candidate = Find(prefix_paths, prefix);
        if (candidate < best) best = candidate;
      };
      consider(std::string_view());
      for (size_t i = 1; i < path.size(); ++i) {
        if (path[i] == '/') consider(path.substr(0, i));
      }
      if (path.size() > 1 && path.back() != '/') consider(path);
    }
    for (uint32_t index : others) {
      if (index >= best) break;
      if (matchers[index]->Matches(request)) return index;
    }
    return best;
  }
};

struct RouteTable::CompiledListener {
  ListenerKey key;
  std::vector<CompiledHost> hosts;
  StringIndex exact_hosts;     // "foo.example.com"
  StringIndex one_label;       // ".example.com" for Ingress "*.example.com"
  StringIndex any_labels;      // ".example.com" for Gateway API "*.example.com"
  uint32_t any_host = kNoRoute;

  const CompiledHost* FindHost(std::string_view host) const {
    uint32_t index = Find(exact_hosts, host);
    if (index != kNoRoute) return &hosts[index];
    size_t dot = host.find('.');
    bool first = true;
    while (dot != std::string_view::npos && dot + 1 < host.size()) {
      std::string_view suffix = host.substr(dot);
      if (first) {
        index = Find(one_label, suffix);
        if (index != kNoRoute) return &hosts[index];
        first = false;
      }
      index = Find(any_labels, suffix);
      if (index != kNoRoute) return &hosts[index];
      dot = host.find('.', dot + 1);
    }
    return any_host == kNoRoute ? nullptr : &hosts[any_host];
  }
};

std::string NormalizeHost(std::string_view host) {
  std::string out;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
  } else {
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  out.reserve(host.size());
  for (char c : host) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

namespace {

// NormalizeHostInto is NormalizeHost without allocating: it writes into
// buffer and returns a view of it (empty when host is too long).
std::string_view NormalizeHostInto(std::string_view host,
                                   std::array<char, kMaxHostLength>& buffer) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
  } else {
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.size() > buffer.size()) return {};
  for (size_t i = 0; i < host.size(); ++i) {
    buffer[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(host[i])));
  }
  return std::string_view(buffer.data(), host.size());
}

BackendTarget CompileBackend(
    const ir::Backend& backend,
    std::map<std::string, std::shared_ptr<const EndpointSet>>& endpoint_sets) {
  BackendTarget target;
  target.name = backend.name;
  target.weight = backend.weight;
  target.valid = backend.valid;
  target.filters = backend.filters;
  target.app_protocol = backend.app_protocol;
  std::vector<ir::Endpoint> ready;
  for (const ir::Endpoint& endpoint : backend.endpoints) {
    if (endpoint.ready) ready.push_back(endpoint);
  }
  auto& shared = endpoint_sets[backend.name];
  if (shared == nullptr || shared->endpoints != ready) {
    shared = std::make_shared<const EndpointSet>(EndpointSet{ready});
  }
  target.endpoints = shared;
  return target;
}

}  // namespace

std::unique_ptr<RouteTable> RouteTable::Compile(const ir::RouteConfig& config,
                                                uint64_t generation,
                                                std::vector<std::string>* errors) {
  auto table = std::unique_ptr<RouteTable>(new RouteTable());
  live_tables.fetch_add(1, std::memory_order_relaxed);
  table->generation_ = generation;
  table->config_ = config;
  // Every use of one backend shares one EndpointSet within a table.
  std::map<std::string, std::shared_ptr<const EndpointSet>> endpoint_sets;

  for (const ir::Listener& listener : config.listeners) {
    auto compiled = std::make_unique<CompiledListener>();
    compiled->key = {listener.address, listener.bind_port, listener.port, listener.tls};
    for (const ir::VirtualHost& vhost : listener.virtual_hosts) {
      const uint32_t host_index = static_cast<uint32_t>(compiled->hosts.size());
      CompiledHost& host = compiled->hosts.emplace_back();
      for (const ir::Route& route : vhost.routes) {
        std::string error;
        std::unique_ptr<RouteMatcher> matcher = RouteMatcher::Create(route.match, &error);
        if (matcher == nullptr) {
          if (errors != nullptr) errors->push_back(route.name + ": " + error);
          continue;
        }
        auto action = std::make_shared<RouteAction>();
        action->name = route.name;
        action->filters = route.filters;
        for (const ir::Backend& backend : route.backends) {
          action->backends.push_back(CompileBackend(backend, endpoint_sets));
          action->total_weight += backend.weight;
        }
        action->direct_status = route.direct_status;
        action->timeouts = route.timeouts;
        action->retry = route.retry;
        action->path_match = route.match.path;
        action->listener_port = listener.port;
        action->listener_tls = listener.tls;

        const uint32_t index = static_cast<uint32_t>(host.matchers.size());
        if (matcher->IsPathOnly() && matcher->path_kind() == ir::PathMatchKind::kExact) {
          KeepFirst(host.exact_paths, matcher->path_key(), index);
        } else if (matcher->IsPathOnly()) {
          KeepFirst(host.prefix_paths, matcher->path_key(), index);
        } else {
          host.others.push_back(index);
        }
        host.matchers.push_back(std::move(matcher));
        host.actions.push_back(std::move(action));
        ++table->route_count_;
      }
      switch (vhost.kind) {
        case ir::HostnameKind::kAny:
          if (compiled->any_host == kNoRoute) compiled->any_host = host_index;
          break;
        case ir::HostnameKind::kExact:
          KeepFirst(compiled->exact_hosts, NormalizeHost(vhost.hostname), host_index);
          break;
        case ir::HostnameKind::kWildcardOneLabel:
        case ir::HostnameKind::kWildcardAnyLabels: {
          // "*.example.com" is stored as its suffix ".example.com".
          std::string suffix = NormalizeHost(vhost.hostname);
          if (!suffix.empty() && suffix.front() == '*') suffix.erase(0, 1);
          KeepFirst(vhost.kind == ir::HostnameKind::kWildcardOneLabel ? compiled->one_label
                                                                      : compiled->any_labels,
                    suffix, host_index);
          break;
        }
      }
      ++table->host_count_;
    }
    table->listeners_.push_back(std::move(compiled));
  }
  for (const auto& [name, set] : endpoint_sets) table->endpoint_count_ += set->endpoints.size();
  return table;
}

RouteTable::~RouteTable() { live_tables.fetch_sub(1, std::memory_order_relaxed); }

int64_t RouteTable::LiveCount() { return live_tables.load(std::memory_order_relaxed); }

std::vector<ListenerKey> RouteTable::Listeners() const {
  std::vector<ListenerKey> keys;
  keys.reserve(listeners_.size());
  for (const auto& listener : listeners_) keys.push_back(listener->key);
  return keys;
}

LookupResult RouteTable::Lookup(const RequestView& request) const {
  LookupResult result{404, nullptr, generation_};
  const CompiledListener* listener = nullptr;
  for (const auto& candidate : listeners_) {
    if (candidate->key.bind_port != request.bind_port) continue;
    if (candidate->key.address == request.address) {
      listener = candidate.get();
      break;
    }
    if (candidate->key.address.empty() && listener == nullptr) listener = candidate.get();
  }
  if (listener == nullptr) return result;

  std::array<char, kMaxHostLength> buffer;
  const CompiledHost* host = listener->FindHost(NormalizeHostInto(request.host, buffer));
  if (host == nullptr) return result;
  const uint32_t index = host->Match(request);
  if (index == kNoRoute) return result;
  result.status = 0;
  result.action = host->actions[index];
  return result;
}

}  // namespace atrium::table
