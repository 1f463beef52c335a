#pragma once

// CompiledHost is one ir::VirtualHost compiled for lookup: its routes'
// actions in precedence order, a PathIndex over the path-only routes and a
// RouteMatcher for each route that has to be tested (regular expressions,
// headers, query parameters, method).
//
// It is immutable once built and shared (shared_ptr<const CompiledHost>) by
// every RouteTable version whose virtual host it still is: a CompileCache
// reuses it when the virtual host did not change, so publishing a new table
// neither rebuilds nor evicts from the readers' caches what stayed the same.
//
// Thread safety: Build runs on the writer thread; Match may run on any
// number of threads concurrently and never locks or allocates.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "controller/ir/route_config.h"
#include "proxy/table/endpoint_set_pool.h"
#include "proxy/table/path_index.h"
#include "proxy/table/route_matcher.h"
#include "proxy/table/route_table.h"

namespace atrium::table {

class alignas(64) CompiledHost {
 public:
  static constexpr uint32_t kNoRoute = PathIndex::kNone;

  // Build compiles vhost for a listener with spec port listener_port. Routes
  // whose regular expressions RE2 rejects are left out and described in
  // errors() ("route-name: reason").
  static std::shared_ptr<const CompiledHost> Build(const ir::VirtualHost& vhost,
                                                   uint16_t listener_port, bool listener_tls,
                                                   EndpointSetPool& endpoint_sets);

  // Match returns the index of the first route in precedence order that
  // matches request, or kNoRoute.
  uint32_t Match(const RequestView& request) const {
    uint32_t best = paths_.Find(request.path);
    for (uint32_t i = 0; i < tested_count_; ++i) {
      const auto& [index, matcher] = tested_[i];
      if (index >= best) break;
      if (matcher->Matches(request)) return index;
    }
    return best;
  }

  // action is the action of route index (a Match result other than kNoRoute).
  // Every action of the host lives in one allocation with one reference
  // count, which the returned pointer shares (the aliasing constructor): a
  // lookup reads no array of pointers, and after a publish the first lookup
  // of a host brings its count into the reader's cache for all its routes.
  std::shared_ptr<const RouteAction> action(uint32_t index) const {
    return std::shared_ptr<const RouteAction>(first_action_, first_action_.get() + index);
  }

  // action_count is the number of routes compiled (those RE2 rejected are
  // left out).
  uint32_t action_count() const { return action_count_; }
  const std::vector<std::string>& errors() const { return errors_; }
  // ForEachEndpointSet calls visit(backend name, set) for the pairs the
  // actions use, in order, without repeats in a row: what a reused host
  // hands to the EndpointSetPool of the new table.
  template <typename Visit>
  void ForEachEndpointSet(Visit visit) const {
    if (endpoint_target_count_ == 1) {
      const BackendTarget& target = *FirstBackendTarget();
      visit(target.name(), target.endpoints);
      return;
    }
    for (uint32_t i = 0; i < endpoint_target_count_; ++i) {
      visit(endpoint_targets_[i]->name(), endpoint_targets_[i]->endpoints);
    }
  }

  // PrefetchHint is where a lookup of this host reads besides the host's
  // first line: the path index's slots and keys, and the reference count of
  // the actions. RouteTable keeps it next to the host's pointer, so that a
  // lookup asks for all of it while it waits for the host's first line,
  // instead of one line after the other (and, after a publish, each from
  // the writer's core).
  struct PrefetchHint {
    const std::byte* path_data = nullptr;  // PathIndex::main_index storage
    const std::byte* count = nullptr;      // the actions' reference count, if known
    uint32_t path_lines = 0;               // cache lines from path_data

    void Prefetch() const {
      for (uint32_t i = 0; i < path_lines; ++i)
        __builtin_prefetch(path_data + size_t{64} * i, 0, 3);
      if (count != nullptr) __builtin_prefetch(count, 1, 3);
    }
  };
  PrefetchHint prefetch_hint() const;

  // DemoteToSharedCache hands what a lookup reads of this host to the
  // shared cache (cache_demote.h). Writer thread, once built.
  void DemoteToSharedCache() const;

  struct PassKey {
   private:
    friend class CompiledHost;
    PassKey() = default;
  };
  explicit CompiledHost(PassKey) {}

 private:
  // The first cache line holds everything a lookup of a path-only route
  // reads from the host, so a cold host costs one miss here.
  PathIndex paths_;  // path-only routes
  // The actions in precedence order, one array (make_shared<RouteAction[]>):
  // points at the first, and owns them all.
  std::shared_ptr<const RouteAction> first_action_;
  uint32_t tested_count_ = 0;  // tested_.size()
  uint32_t action_count_ = 0;

  // Routes that must be tested, ascending by index.
  std::vector<std::pair<uint32_t, std::unique_ptr<RouteMatcher>>> tested_;
  std::vector<std::string> errors_;
  // The targets whose (name, set) pairs ForEachEndpointSet visits: pointers
  // into the actions, not copies of names and sets. Most hosts have one
  // pair, the first target, which needs no array (a host of 5,000 with one
  // route each would otherwise spend an allocation on it).
  const BackendTarget* FirstBackendTarget() const;
  std::unique_ptr<const BackendTarget*[]> endpoint_targets_;  // when more than one
  uint32_t endpoint_target_count_ = 0;
};

}  // namespace atrium::table
