#include "controller/core/service_references.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace atrium::core {
namespace {

// ServiceOf returns "namespace/name" of the Service a backend name
// ("namespace/service:port") refers to.
std::string ServiceOf(const std::string& backend_name) {
  return backend_name.substr(0, backend_name.rfind(':'));
}

std::vector<const ir::VirtualHost*> HostsOf(const ir::RouteConfig* config) {
  std::vector<const ir::VirtualHost*> hosts;
  if (config == nullptr) return hosts;
  for (const ir::Listener& listener : config->listeners) {
    for (const SharedValue<ir::VirtualHost>& vhost : listener.virtual_hosts) {
      hosts.push_back(&vhost.get());
    }
  }
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  return hosts;
}

}  // namespace

void ServiceReferences::Update(std::shared_ptr<const ir::RouteConfig> config) {
  if (config == config_) return;
  std::vector<const ir::VirtualHost*> hosts = HostsOf(config.get());
  std::vector<const ir::VirtualHost*> removed;
  std::vector<const ir::VirtualHost*> added;
  std::set_difference(hosts_.begin(), hosts_.end(), hosts.begin(), hosts.end(),
                      std::back_inserter(removed));
  std::set_difference(hosts.begin(), hosts.end(), hosts_.begin(), hosts_.end(),
                      std::back_inserter(added));
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
