#include "controller/translate/route_memo.h"

#include <utility>

#include "controller/state/cluster_state.h"

namespace atrium::translate {

void HttpRouteMemo::Changed(std::string_view kind, const std::string& key,
                            const nlohmann::json* before, const nlohmann::json* after) {
  if (kind == state::kHttpRoute) {
    Forget(key);
  } else if (kind == state::kService) {
    ForgetDependents(key);
  } else if (kind == state::kEndpointSlice) {
    // A slice may have moved between Services (its label changed): both
    // Services' routes read it.
    const std::string old_service = before != nullptr ? state::SliceService(*before) : "";
    const std::string new_service = after != nullptr ? state::SliceService(*after) : "";
    if (!old_service.empty()) ForgetDependents(old_service);
    if (!new_service.empty() && new_service != old_service) ForgetDependents(new_service);
  } else if (kind == state::kIngress || kind == state::kIngressClass || kind == state::kSecret) {
    // HTTPRoutes never read them. (A Secret reaches routes only through a
    // listener's certificates, which CheckGateways sees.)
  } else {
    Clear();
  }
}

void HttpRouteMemo::CheckGateways(const GatewayModels& gateways) {
  std::vector<GatewayShape> shapes;
  shapes.reserve(gateways.size());
  for (const auto& [key, gateway] : gateways) {
    GatewayShape& shape = shapes.emplace_back();
    shape.key = key;
    shape.rank = gateway.rank;
    shape.accepted = gateway.accepted.status;
    for (const GatewayListener& listener : gateway.listeners) {
      shape.listeners.push_back({listener.name, listener.port, listener.hostname, listener.tls,
                                 listener.from, listener.selector, listener.allows_http_route,
                                 listener.programmed, listener.sockets});
    }
  }
  if (shapes == gateways_) return;
  Clear();
  gateways_ = std::move(shapes);
}

void HttpRouteMemo::Clear() {
  outcomes_.clear();
  dependents_.clear();
}

const HttpRouteOutcome* HttpRouteMemo::Find(const std::string& route_key) const {
  auto it = outcomes_.find(route_key);
  return it == outcomes_.end() ? nullptr : &it->second;
}

const HttpRouteOutcome* HttpRouteMemo::Cursor::Find(const std::string& route_key) {
  while (it_ != end_) {
    const int order = it_->first.compare(route_key);
    if (order > 0) return nullptr;
    const auto current = it_++;
    if (order == 0) {
      // The next lookup reads the next node: fetched while the caller
      // replays this one (the nodes of thousands of routes are scattered).
      if (it_ != end_) __builtin_prefetch(&*it_);
      return &current->second;
    }
  }
  return nullptr;
}

void HttpRouteMemo::Store(const std::string& route_key, HttpRouteOutcome outcome) {
  Forget(route_key);
  const auto& [key, stored] = *outcomes_.emplace(route_key, std::move(outcome)).first;
  for (const std::string& service : stored.services) dependents_[service].insert(&key);
}

void HttpRouteMemo::Forget(const std::string& route_key) {
  auto it = outcomes_.find(route_key);
  if (it == outcomes_.end()) return;
  for (const std::string& service : it->second.services) {
    auto dependents = dependents_.find(service);
    if (dependents == dependents_.end()) continue;
    dependents->second.erase(&it->first);
    if (dependents->second.empty()) dependents_.erase(dependents);
  }
  outcomes_.erase(it);
}

void HttpRouteMemo::ForgetDependents(const std::string& service_key) {
  auto it = dependents_.find(service_key);
  if (it == dependents_.end()) return;
  const RouteKeys routes = std::move(it->second);
  dependents_.erase(it);
  // Each pointer is the key of its own outcome, which only its own Forget
  // erases.
  for (const std::string* route : routes) Forget(*route);
}

}  // namespace atrium::translate
