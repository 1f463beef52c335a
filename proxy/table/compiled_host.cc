#include "proxy/table/compiled_host.h"

#include <algorithm>

#include "proxy/table/cache_demote.h"

namespace atrium::table {

// The fields Match reads for a path-only route share the first cache line.
static_assert(sizeof(PathIndex) + sizeof(std::shared_ptr<const RouteAction>) +
                  2 * sizeof(uint32_t) <=
              64);
// And the rest fits a second line: a host is two lines (with make_shared's
// control block, one 192-byte allocation).
static_assert(sizeof(CompiledHost) <= 128);

std::shared_ptr<const CompiledHost> CompiledHost::Build(const ir::VirtualHost& vhost,
                                                        uint16_t listener_port, bool listener_tls,
                                                        EndpointSetPool& endpoint_sets) {
  // make_shared: the control block and the host's first line are one
  // allocation.
  auto host = std::make_shared<CompiledHost>(PassKey());
  // First the matchers: a route whose regular expression RE2 rejects is
  // left out, and the actions array is sized for the routes that remain.
  std::vector<const SharedValue<ir::Route>*> routes;
  std::vector<std::unique_ptr<RouteMatcher>> matchers;  // by kept route; null: path only
  routes.reserve(vhost.routes.size());
  matchers.reserve(vhost.routes.size());
  for (const SharedValue<ir::Route>& shared_route : vhost.routes) {
    const ir::Route& route = *shared_route;
    std::unique_ptr<RouteMatcher> matcher;
    if (!RouteMatcher::IsPathOnly(route.match)) {
      std::string error;
      matcher = RouteMatcher::Create(route.match, &error);
      if (matcher == nullptr) {
        host->errors_.push_back(route.name + ": " + error);
        continue;
      }
    }
    routes.push_back(&shared_route);
    matchers.push_back(std::move(matcher));
  }

  std::shared_ptr<RouteAction[]> actions;
  if (!routes.empty()) actions = std::make_shared<RouteAction[]>(routes.size());
  std::vector<PathIndex::Key> path_keys;
  for (uint32_t index = 0; index < routes.size(); ++index) {
    const ir::Route& route = **routes[index];
    RouteAction* action = &actions[index];
    action->route = routes[index]->shared();
    action->backends.reserve(route.backends.size());
    for (const ir::Backend& backend : route.backends) {
      action->backends.push_back({&backend, endpoint_sets.Get(backend)});
      action->total_weight += backend.weight;
    }
    action->listener_port = listener_port;
    action->listener_tls = listener_tls;

    if (matchers[index] != nullptr) {
      host->tested_.emplace_back(index, std::move(matchers[index]));
    } else if (route.match.path.kind == ir::PathMatchKind::kExact) {
      path_keys.push_back({PathIndex::Kind::kExact, route.match.path.value, index});
    } else {
      path_keys.push_back(
          {PathIndex::Kind::kPrefix, NormalizePrefix(route.match.path.value), index});
    }
  }
  // The (backend name, set) pairs, repeats in a row dropped and the order
  // of the rest kept, so that replaying them leaves the pool as building
  // did ("last wins").
  std::vector<const BackendTarget*> targets;
  for (uint32_t index = 0; index < routes.size(); ++index) {
    for (const BackendTarget& target : actions[index].backends) {
      if (targets.empty() || targets.back()->endpoints != target.endpoints ||
          targets.back()->name() != target.name()) {
        targets.push_back(&target);
      }
    }
  }
  host->endpoint_target_count_ = static_cast<uint32_t>(targets.size());
  if (targets.size() > 1) {
    host->endpoint_targets_ = std::make_unique<const BackendTarget*[]>(targets.size());
    std::copy(targets.begin(), targets.end(), host->endpoint_targets_.get());
  }
  host->paths_ = PathIndex(path_keys);
  host->first_action_ = std::shared_ptr<const RouteAction>(actions, actions.get());
  host->tested_count_ = static_cast<uint32_t>(host->tested_.size());
  host->action_count_ = static_cast<uint32_t>(routes.size());
  return host;
}

const BackendTarget* CompiledHost::FirstBackendTarget() const {
  for (uint32_t i = 0; i < action_count_; ++i) {
    const std::vector<BackendTarget>& backends = first_action_.get()[i].backends;
    if (!backends.empty()) return &backends.front();
  }
  return nullptr;
}

CompiledHost::PrefetchHint CompiledHost::prefetch_hint() const {
  // Enough lines for the slots and the key bytes of a host with a few dozen
  // routes; a bigger host prefetches its first lines only.
  constexpr size_t kMaxLines = 8;
  PrefetchHint hint;
  const HashIndex<uint32_t>& index = paths_.main_index();
  if (!index.empty()) {
    hint.path_data = index.storage();
    hint.path_lines = static_cast<uint32_t>(std::min(kMaxLines, index.slot_bytes() / 64 + 2));
  }
#if defined(__GLIBCXX__)
  // libstdc++'s make_shared<T[]> keeps the reference count in the 16 bytes
  // before the array (a hint only: a prefetch never faults).
  if (first_action_ != nullptr) {
    hint.count = reinterpret_cast<const std::byte*>(first_action_.get()) - 8;
  }
#endif
  return hint;
}

void CompiledHost::DemoteToSharedCache() const {
  table::DemoteToSharedCache(this, 64);
  paths_.DemoteToSharedCache();
  const PrefetchHint hint = prefetch_hint();
  if (hint.count != nullptr) table::DemoteToSharedCache(hint.count, 1);
}

}  // namespace atrium::table
