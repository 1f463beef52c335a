#include "proxy/table/endpoint_set_pool.h"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

namespace atrium::table {

std::shared_ptr<const EndpointSet> EndpointSetPool::Get(const ir::Backend& backend) {
  // Translate lists only ready endpoints: the list is then compared as it is,
  // not copied for every route that uses the backend.
  const std::vector<ir::Endpoint>& listed = *backend.endpoints;
  std::vector<ir::Endpoint> filtered;
  const bool all_ready = std::all_of(listed.begin(), listed.end(),
                                     [](const ir::Endpoint& endpoint) { return endpoint.ready; });
  if (!all_ready) {
    std::copy_if(listed.begin(), listed.end(), std::back_inserter(filtered),
                 [](const ir::Endpoint& endpoint) { return endpoint.ready; });
  }
  const std::vector<ir::Endpoint>& ready = all_ready ? listed : filtered;
  last_adopted_set_ = nullptr;  // sets_ may change below
  std::shared_ptr<const EndpointSet>& shared = sets_[backend.name];
  if (shared != nullptr && shared->endpoints == ready) return shared;
  if (previous_ != nullptr) {
    auto it = previous_->find(backend.name);
    if (it != previous_->end() && it->second->endpoints == ready) {
      shared = it->second;
      return shared;
    }
  }
  shared = std::make_shared<const EndpointSet>(EndpointSet{ready});
  return shared;
}

void EndpointSetPool::Adopt(std::string_view name, const std::shared_ptr<const EndpointSet>& set) {
  // Hosts that share a backend come in runs: the pair just adopted is
  // already in place, known without hashing the name again.
  if (set.get() == last_adopted_set_ && name == last_adopted_name_) return;
  last_adopted_name_ = name;
  last_adopted_set_ = set.get();
  // Finding it in place costs no reference count traffic.
  auto it = sets_.find(name);
  if (it == sets_.end()) {
    sets_.emplace(name, set);
  } else if (it->second != set) {
    it->second = set;
  }
}

}  // namespace atrium::table
