#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "controller/ir/route_config.h"
#include "proxy/table/route_table.h"

namespace atrium::table {

// EndpointSets maps a backend name to its set. Hashed: every compile adopts
// the sets of all the hosts it reuses, thousands of names. The keys are
// views, not copies: of the configuration a Compile reads, or of the
// BackendTarget names of the hosts it reuses, both of which the
// CompileCache keeps alive as long as these sets.
using EndpointSets = std::unordered_map<std::string_view, std::shared_ptr<const EndpointSet>>;

// EndpointSetPool hands out one EndpointSet per backend name and endpoint
// list, so every use of a backend shares it within a table, and across
// tables while it does not change. Writer thread only.
class EndpointSetPool {
 public:
  EndpointSetPool() = default;
  // previous: the pool of the last compile, whose sets are reused when equal.
  explicit EndpointSetPool(const EndpointSets* previous) : previous_(previous) {}

  // Get returns the set of backend's ready endpoints. backend.name must
  // outlive the sets (see EndpointSets).
  std::shared_ptr<const EndpointSet> Get(const ir::Backend& backend);
  // Adopt records a set already used by a reused host; name, like the
  // names Get is given, must outlive the sets.
  void Adopt(std::string_view name, const std::shared_ptr<const EndpointSet>& set);

  // sets: the latest set of each backend name.
  const EndpointSets& sets() const { return sets_; }
  EndpointSets TakeSets() {
    last_adopted_set_ = nullptr;
    return std::move(sets_);
  }

 private:
  const EndpointSets* previous_ = nullptr;
  EndpointSets sets_;
  // The pair of the last Adopt, while sets_ holds it: null after anything
  // else changes sets_.
  std::string_view last_adopted_name_;
  const EndpointSet* last_adopted_set_ = nullptr;
};

}  // namespace atrium::table
