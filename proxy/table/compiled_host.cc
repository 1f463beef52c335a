#include "proxy/table/compiled_host.h"

namespace atrium::table {

// The fields Match reads for a path-only route share the first cache line.
static_assert(sizeof(PathIndex) + sizeof(void*) + sizeof(uint32_t) <= 64);

std::shared_ptr<const CompiledHost> CompiledHost::Build(const ir::VirtualHost& vhost,
                                                        uint16_t listener_port, bool listener_tls,
                                                        EndpointSetPool& endpoint_sets) {
  // make_shared: the control block and the host's first line are one
  // allocation.
  auto host = std::make_shared<CompiledHost>(PassKey());
  host->action_storage_.reserve(vhost.routes.size());
  std::vector<PathIndex::Key> path_keys;
  for (const ir::Route& route : vhost.routes) {
    std::unique_ptr<RouteMatcher> matcher;
    if (!RouteMatcher::IsPathOnly(route.match)) {
      std::string error;
      matcher = RouteMatcher::Create(route.match, &error);
      if (matcher == nullptr) {
        host->errors_.push_back(route.name + ": " + error);
        continue;
      }
    }
    auto action = std::make_shared<RouteAction>();
    action->name = route.name;
    action->filters = route.filters;
    action->backends.reserve(route.backends.size());
    for (const ir::Backend& backend : route.backends) {
      BackendTarget& target = action->backends.emplace_back();
      target.name = backend.name;
      target.weight = backend.weight;
      target.valid = backend.valid;
      target.endpoints = endpoint_sets.Get(backend);
      // Repeats in a row are dropped; the order of the rest is kept, so that
      // replaying the list leaves the pool as building did ("last wins").
      auto& used = host->endpoint_sets_;
      if (used.empty() || used.back().second != target.endpoints ||
          used.back().first != backend.name) {
        used.emplace_back(backend.name, target.endpoints);
      }
      target.filters = backend.filters;
      target.app_protocol = backend.app_protocol;
      action->total_weight += backend.weight;
    }
    action->direct_status = route.direct_status;
    action->timeouts = route.timeouts;
    action->retry = route.retry;
    action->path_match = route.match.path;
    action->listener_port = listener_port;
    action->listener_tls = listener_tls;

    const auto index = static_cast<uint32_t>(host->action_storage_.size());
    if (matcher != nullptr) {
      host->tested_.emplace_back(index, std::move(matcher));
    } else if (route.match.path.kind == ir::PathMatchKind::kExact) {
      path_keys.push_back({PathIndex::Kind::kExact, route.match.path.value, index});
    } else {
      path_keys.push_back(
          {PathIndex::Kind::kPrefix, NormalizePrefix(route.match.path.value), index});
    }
    host->action_storage_.push_back(std::move(action));
  }
  host->paths_ = PathIndex(path_keys);
  host->actions_ = host->action_storage_.data();
  host->tested_count_ = static_cast<uint32_t>(host->tested_.size());
  return host;
}

}  // namespace atrium::table
