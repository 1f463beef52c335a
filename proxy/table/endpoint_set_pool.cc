#include "proxy/table/endpoint_set_pool.h"

#include <utility>
#include <vector>

namespace atrium::table {

std::shared_ptr<const EndpointSet> EndpointSetPool::Get(const ir::Backend& backend) {
  std::vector<ir::Endpoint> ready;
  ready.reserve(backend.endpoints->size());
  for (const ir::Endpoint& endpoint : *backend.endpoints) {
    if (endpoint.ready) ready.push_back(endpoint);
  }
  std::shared_ptr<const EndpointSet>& shared = sets_[backend.name];
  if (shared != nullptr && shared->endpoints == ready) return shared;
  if (previous_ != nullptr) {
    auto it = previous_->find(backend.name);
    if (it != previous_->end() && it->second->endpoints == ready) {
      shared = it->second;
      return shared;
    }
  }
  shared = std::make_shared<const EndpointSet>(EndpointSet{std::move(ready)});
  return shared;
}

void EndpointSetPool::Adopt(const std::string& name,
                            const std::shared_ptr<const EndpointSet>& set) {
  // Hosts that share a backend adopt the same set again and again: finding
  // it in place costs no reference count traffic.
  auto it = sets_.find(name);
  if (it == sets_.end()) {
    sets_.emplace(name, set);
  } else if (it->second != set) {
    it->second = set;
  }
}

}  // namespace atrium::table
