#include "controller/core/service_references.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <optional>
#include <utility>

namespace atrium::core {
namespace {

// ServiceOf returns "namespace/name" of the Service a backend name
// ("namespace/service:port") refers to.
std::string ServiceOf(const std::string& backend_name) {
  return backend_name.substr(0, backend_name.rfind(':'));
}

// HostsOf lists the configuration's virtual hosts, listener by listener, in
// order (a host that several listeners share is listed once for each).
std::vector<const ir::VirtualHost*> HostsOf(const ir::RouteConfig* config) {
  std::vector<const ir::VirtualHost*> hosts;
  if (config == nullptr) return hosts;
  for (const ir::Listener& listener : config->listeners) {
    for (const SharedValue<ir::VirtualHost>& vhost : listener.virtual_hosts) {
      hosts.push_back(&vhost.get());
    }
  }
  return hosts;
}

// How far ahead a walk looks for the host it lost step with: a few hosts
// added or removed in a row.
constexpr size_t kResyncWindow = 8;

// Diff pairs the hosts of two configurations walked in order, and lists
// each host that it pairs with no identical one as removed (before) or
// added (after). Any such pairing gives the same counts: a host it
// fails to pair (after more than kResyncWindow changes in a row) is listed
// on both sides, and its counts go up and back down. Unchanged hosts are
// the same objects in the same order (translate shares them), so the walk
// compares pointers, reads no host, and sorts nothing.
void Diff(const std::vector<const ir::VirtualHost*>& before,
          const std::vector<const ir::VirtualHost*>& after,
          std::vector<const ir::VirtualHost*>& removed,
          std::vector<const ir::VirtualHost*>& added) {
  size_t i = 0;
  size_t j = 0;
  // Position of host in hosts[from, from + kResyncWindow), if there.
  auto find_near = [](const std::vector<const ir::VirtualHost*>& hosts, size_t from,
                      const ir::VirtualHost* host) -> std::optional<size_t> {
    const size_t end = std::min(hosts.size(), from + kResyncWindow);
    for (size_t k = from; k < end; ++k) {
      if (hosts[k] == host) return k;
    }
    return std::nullopt;
  };
  while (i < before.size() && j < after.size()) {
    if (before[i] == after[j]) {
      ++i;
      ++j;
    } else if (std::optional<size_t> k = find_near(after, j + 1, before[i])) {
      added.insert(added.end(), after.begin() + static_cast<std::ptrdiff_t>(j),
                   after.begin() + static_cast<std::ptrdiff_t>(*k));
      j = *k;
    } else if (std::optional<size_t> k = find_near(before, i + 1, after[j])) {
      removed.insert(removed.end(), before.begin() + static_cast<std::ptrdiff_t>(i),
                     before.begin() + static_cast<std::ptrdiff_t>(*k));
      i = *k;
    } else {
      removed.push_back(before[i++]);
      added.push_back(after[j++]);
    }
  }
  removed.insert(removed.end(), before.begin() + static_cast<std::ptrdiff_t>(i), before.end());
  added.insert(added.end(), after.begin() + static_cast<std::ptrdiff_t>(j), after.end());
}

}  // namespace

void ServiceReferences::Update(std::shared_ptr<const ir::RouteConfig> config) {
  if (config == config_) return;
  std::vector<const ir::VirtualHost*> hosts = HostsOf(config.get());
  std::vector<const ir::VirtualHost*> removed;
  std::vector<const ir::VirtualHost*> added;
  Diff(hosts_, hosts, removed, added);
  // Counted up before down, so a Service used on both sides never drops to
  // zero on the way.
  for (const ir::VirtualHost* vhost : added) Count(*vhost, +1);
  for (const ir::VirtualHost* vhost : removed) Count(*vhost, -1);
  hosts_ = std::move(hosts);
  config_ = std::move(config);
}

void ServiceReferences::Count(const ir::VirtualHost& vhost, int delta) {
  auto count = [&](const std::string& backend_name) {
    std::string service = ServiceOf(backend_name);
    if (delta > 0) {
      ++counts_[service];
      return;
    }
    auto it = counts_.find(service);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  };
  auto count_filters = [&](const ir::Filters& filters) {
    for (const ir::RequestMirror& mirror : filters.mirrors) count(mirror.backend_name);
  };
  for (const ir::Route& route : vhost.routes) {
    count_filters(route.filters);
    for (const ir::Backend& backend : route.backends) {
      count(backend.name);
      count_filters(backend.filters);
    }
  }
}

}  // namespace atrium::core
