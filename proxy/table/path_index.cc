#include "proxy/table/path_index.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "proxy/table/key_hash.h"

namespace atrium::table {

PathIndex::PathIndex(const std::vector<Key>& keys) {
  const uint64_t seed = RandomHashSeed();
  // HashIndex keeps the first of equal keys, so insert in precedence order.
  std::vector<const Key*> ordered;
  ordered.reserve(keys.size());
  for (const Key& key : keys) ordered.push_back(&key);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Key* a, const Key* b) { return a->route < b->route; });
  std::vector<HashIndex<uint32_t>::Item> exact;
  std::vector<HashIndex<uint32_t>::Item> prefix;
  for (const Key* key : ordered) {
    uint32_t depth = 0;
    const uint64_t hash = HashPath(seed, key->path, &depth);
    if (key->kind == Kind::kExact) {
      exact.push_back({hash, key->path, key->route});
    } else {
      prefix.push_back({hash, key->path, key->route});
      prefix_depths_ |= uint64_t{1} << std::min<uint32_t>(depth, 63);
    }
  }
  exact_ = HashIndex<uint32_t>(exact);
  prefix_ = HashIndex<uint32_t>(prefix);
}

}  // namespace atrium::table
