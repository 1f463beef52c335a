#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace atrium::status {

// PendingIds is a set of ids gathered between passes and taken all at once,
// in order. It is one vector, not a node per id: the first pass after a
// start marks every object (thousands of routes), and as many set nodes,
// allocated among the routes' own long-lived records and freed together
// when the pass takes them, left thousands of free slots in the allocator
// that no span could give back. An id marked twice is held twice until the
// vector doubles or the pass takes it: duplicates cost nothing but space.
template <typename Id>
class PendingIds {
 public:
  bool empty() const { return ids_.empty(); }
  void clear() {
    ids_.clear();
    unique_size_ = 0;
    least_ = 0;
  }

  void Insert(Id id) {
    if (!ids_.empty() && id < ids_[least_]) least_ = ids_.size();
    ids_.push_back(std::move(id));
    if (ids_.size() >= 2 * unique_size_ + kSlack) Compact();
  }

  void Erase(const Id& id) {
    std::erase(ids_, id);
    unique_size_ = std::min(unique_size_, ids_.size());
    FindLeast();
  }

  // Least is the least id held; only when !empty().
  const Id& Least() const { return ids_[least_]; }

  // Take returns every id, sorted and each once, and leaves the set empty.
  std::vector<Id> Take() {
    Compact();
    std::vector<Id> taken = std::move(ids_);
    clear();
    return taken;
  }

 private:
  // Below this many ids, duplicates are left until Take.
  static constexpr size_t kSlack = 64;

  void Compact() {
    std::sort(ids_.begin(), ids_.end());
    ids_.erase(std::unique(ids_.begin(), ids_.end()), ids_.end());
    unique_size_ = ids_.size();
    least_ = 0;
  }
  void FindLeast() {
    least_ = static_cast<size_t>(std::min_element(ids_.begin(), ids_.end()) - ids_.begin());
  }

  std::vector<Id> ids_;
  size_t unique_size_ = 0;  // ids_ had no duplicate at this size
  size_t least_ = 0;        // position of the least id, when any
};

}  // namespace atrium::status
