#pragma once

// PathIndex finds, among the path-only routes of one virtual host (an Exact
// or Prefix path condition and nothing else), the one that comes first in
// precedence order, without testing each route.
//
// Exact routes are keyed by their path; Prefix routes by their normalized
// prefix ("/foo/" -> "/foo", "/" -> ""). The request path is walked once:
// the running segment hash (key_hash.h) gives the hash of every prefix that
// ends at a '/' boundary, and only the segment depths that some Prefix key
// has are probed. The candidates are exactly those of element-wise prefix
// matching: "" (root), path.substr(0, i) for every i >= 1 with path[i] ==
// '/', and the whole path when it is longer than one byte and does not end
// with '/'.
//
// Thread safety: immutable after construction; Find may run on any number
// of threads concurrently. Find never allocates.

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/table/hash_index.h"
#include "proxy/table/key_hash.h"

namespace atrium::table {

class PathIndex {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  enum class Kind { kExact, kPrefix };
  struct Key {
    Kind kind;
    std::string path;  // the exact path, or the normalized prefix
    uint32_t route;    // smaller is higher precedence; never kNone
  };

  PathIndex() = default;
  // When two keys are equal (same kind and path) the smaller route wins.
  explicit PathIndex(const std::vector<Key>& keys);

  // Find returns the smallest route whose key matches path, or kNone.
  uint32_t Find(std::string_view path) const;

  bool empty() const { return exact_.empty() && prefix_.empty(); }

  // DemoteToSharedCache hands what Find reads to the shared cache
  // (cache_demote.h). Writer thread, before publishing.
  void DemoteToSharedCache() const {
    exact_.DemoteToSharedCache();
    prefix_.DemoteToSharedCache();
  }

  // The index most lookups read (the Prefix keys', else the Exact keys'),
  // for a caller that prefetches: see HashIndex::storage.
  const HashIndex<uint32_t>& main_index() const { return prefix_.empty() ? exact_ : prefix_; }

 private:
  bool HasPrefixDepth(uint32_t depth) const {
    return ((prefix_depths_ >> (depth < 63 ? depth : 63)) & 1) != 0;
  }

  // 40 bytes, read by every lookup of the host: one cache line with the
  // CompiledHost fields around it. The hash seed is the process's
  // (RandomHashSeed), not a field: a lookup can hash the path before this
  // line arrives.
  HashIndex<uint32_t> exact_;
  HashIndex<uint32_t> prefix_;
  // Bit d (d < 63): a Prefix key has d segments; bit 63: one has 63 or more.
  uint64_t prefix_depths_ = 0;
};

// Inline: it is the innermost step of every lookup.
inline uint32_t PathIndex::Find(std::string_view path) const {
  uint32_t best = kNone;
  const auto consider = [&best](const uint32_t* route) {
    if (route != nullptr && *route < best) best = *route;
  };
  uint64_t state = RandomHashSeed();
  if (HasPrefixDepth(0)) consider(prefix_.Find(state, std::string_view()));
  // The exact key needs the whole path's hash; prefixes only need the walk
  // to reach the deepest Prefix key.
  const bool need_whole_path = !exact_.empty();
  // The deepest Prefix key, or no limit when one has 63 segments or more.
  const uint32_t max_prefix_depth =
      prefix_depths_ == 0           ? 0
      : (prefix_depths_ >> 63) != 0 ? std::numeric_limits<uint32_t>::max()
                                    : static_cast<uint32_t>(63 - std::countl_zero(prefix_depths_));
  const char* const begin = path.data();
  const char* const end = begin + path.size();
  const bool whole_path_is_prefix_candidate = path.size() > 1 && path.back() != '/';
  const char* p = begin;
  uint32_t depth = 0;
  while (p != end && (need_whole_path || depth < max_prefix_depth)) {
    const char* segment_end = NextSegmentEnd(p, end);
    state = HashSpan(state, p, static_cast<size_t>(segment_end - p));
    ++depth;
    if (HasPrefixDepth(depth) && (segment_end != end || whole_path_is_prefix_candidate)) {
      consider(
          prefix_.Find(state, std::string_view(begin, static_cast<size_t>(segment_end - begin))));
    }
    p = segment_end;
  }
  if (need_whole_path) consider(exact_.Find(state, path));
  return best;
}

}  // namespace atrium::table
