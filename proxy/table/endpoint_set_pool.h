#pragma once

#include <map>
#include <memory>
#include <string>

#include "controller/ir/route_config.h"
#include "proxy/table/route_table.h"

namespace atrium::table {

// EndpointSetPool hands out one EndpointSet per backend name and endpoint
// list, so every use of a backend shares it within a table, and across
// tables while it does not change. Writer thread only.
class EndpointSetPool {
 public:
  EndpointSetPool() = default;
  // previous: the pool of the last compile, whose sets are reused when equal.
  explicit EndpointSetPool(
      const std::map<std::string, std::shared_ptr<const EndpointSet>>* previous)
      : previous_(previous) {}

  // Get returns the set of backend's ready endpoints.
  std::shared_ptr<const EndpointSet> Get(const ir::Backend& backend);
  // Adopt records a set already used by a reused host.
  void Adopt(const std::string& name, const std::shared_ptr<const EndpointSet>& set);

  // sets: the latest set of each backend name.
  const std::map<std::string, std::shared_ptr<const EndpointSet>>& sets() const { return sets_; }
  std::map<std::string, std::shared_ptr<const EndpointSet>> TakeSets() { return std::move(sets_); }

 private:
  const std::map<std::string, std::shared_ptr<const EndpointSet>>* previous_ = nullptr;
  std::map<std::string, std::shared_ptr<const EndpointSet>> sets_;
};

}  // namespace atrium::table
