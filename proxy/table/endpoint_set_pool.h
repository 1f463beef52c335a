#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "controller/ir/route_config.h"
#include "proxy/table/route_table.h"

namespace atrium::table {

// EndpointSets maps a backend name to its set. Hashed: every compile adopts
// the sets of all the hosts it reuses, thousands of names.
using EndpointSets = std::unordered_map<std::string, std::shared_ptr<const EndpointSet>>;

// EndpointSetPool hands out one EndpointSet per backend name and endpoint
// list, so every use of a backend shares it within a table, and across
// tables while it does not change. Writer thread only.
class EndpointSetPool {
 public:
  EndpointSetPool() = default;
  // previous: the pool of the last compile, whose sets are reused when equal.
  explicit EndpointSetPool(const EndpointSets* previous) : previous_(previous) {}

  // Get returns the set of backend's ready endpoints.
  std::shared_ptr<const EndpointSet> Get(const ir::Backend& backend);
  // Adopt records a set already used by a reused host.
  void Adopt(const std::string& name, const std::shared_ptr<const EndpointSet>& set);

  // sets: the latest set of each backend name.
  const EndpointSets& sets() const { return sets_; }
  EndpointSets TakeSets() { return std::move(sets_); }

 private:
  const EndpointSets* previous_ = nullptr;
  EndpointSets sets_;
};

}  // namespace atrium::table
