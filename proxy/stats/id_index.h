#pragma once

// IdIndex finds the small integer id under which a key is kept elsewhere (in
// a vector of names, of records). It is an open-addressing table of 4-byte
// slots, at most half full, that stores neither keys nor hashes: the caller
// passes a key's hash and a predicate telling whether an id holds the key,
// and growing asks the caller for each id's hash again. Per key that is 8 to
// 16 bytes, where a node-based hash map spends 40 or more.
//
// Thread safety: none; one owner reads and writes it.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace atrium::stats {

class IdIndex {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  // Find returns the id for which is_key(id) holds among those inserted with
  // hash, or kNone.
  template <typename IsKey>
  uint32_t Find(size_t hash, IsKey is_key) const {
    if (slots_.empty()) return kNone;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const uint32_t id = slots_[i];
      if (id == kNone || is_key(id)) return id;
    }
  }

  // Insert adds id (not present yet) under hash; hash_of(id) must give the
  // hash any id was inserted with, for growing.
  template <typename HashOf>
  void Insert(size_t hash, uint32_t id, HashOf hash_of) {
    if ((size_ + 1) * 2 > slots_.size()) {
      std::vector<uint32_t> old = std::move(slots_);
      slots_.assign(old.empty() ? 16 : old.size() * 2, kNone);
      for (const uint32_t kept : old) {
        if (kept != kNone) Place(hash_of(kept), kept);
      }
    }
    Place(hash, id);
    ++size_;
  }

  size_t size() const { return size_; }

 private:
  void Place(size_t hash, uint32_t id) {
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i] != kNone) i = (i + 1) & mask;
    slots_[i] = id;
  }

  std::vector<uint32_t> slots_;  // a power of two in size, or empty
  size_t size_ = 0;
};

}  // namespace atrium::stats
