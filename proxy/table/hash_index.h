#pragma once

// HashIndex is a compact, immutable open-addressing map from string keys to
// small values, built once and then read without locks or allocation.
//
// Callers hash the keys themselves (key_hash.h) and pass the hash with the
// key, so a hash computed once (or incrementally, for path prefixes) serves
// every probe. Slots are 16 bytes for 4-byte values (24 for pointers) and
// the key bytes follow them in the same allocation: a probe touches one slot
// and, on a tag match, the key bytes it must confirm. The table is at most
// two thirds full, so a miss usually ends within a slot or two.
//
// Thread safety: immutable after construction; Find may run on any number
// of threads concurrently.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "proxy/table/cache_demote.h"
#include "proxy/table/key_hash.h"

namespace atrium::table {

template <typename Value>
class HashIndex {
  static_assert(std::is_trivially_copyable_v<Value>, "slots are raw memory");

 public:
  struct Item {
    uint64_t hash;  // any function of key, the same one Find is called with
    std::string key;
    Value value;
  };

  HashIndex() = default;

  // Builds the index. When several items have equal keys the first wins,
  // which is how precedence order is kept ("the first route wins").
  explicit HashIndex(const std::vector<Item>& items) { Build(items); }
  // The same from items of another type with the same members (hash, key,
  // value), such as keys that are views of bytes the caller keeps: a
  // caller with thousands of keys need not copy each into a string.
  template <typename OtherItem>
  explicit HashIndex(const std::vector<OtherItem>& items) {
    Build(items);
  }

  // Find returns the value stored under key (whose hash is hash), or
  // nullptr. The pointer is valid as long as the index.
  const Value* Find(uint64_t hash, std::string_view key) const {
    if (size_ == 0) return nullptr;
    const Slot* slots = reinterpret_cast<const Slot*>(storage_.get());
    const char* keys = reinterpret_cast<const char*>(slots + mask_ + 1);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots[i];
      if (slot.key_offset == kEmpty) return nullptr;
      if (Equal(slot, keys, hash, key)) return &slot.value;
    }
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // storage is where Find reads (the slots, then the key bytes), for a
  // caller that prefetches; nullptr when empty. slot_bytes is the size of
  // the slots; the key bytes follow them.
  const std::byte* storage() const { return storage_.get(); }
  size_t slot_bytes() const { return size_ == 0 ? 0 : (size_t{mask_} + 1) * sizeof(Slot); }

  // DemoteToSharedCache hands the slots and key bytes to the shared cache
  // (cache_demote.h). Writer thread, before publishing.
  void DemoteToSharedCache() const {
    if (size_ == 0) return;
    const Slot* slots = reinterpret_cast<const Slot*>(storage_.get());
    size_t key_bytes = 0;
    for (size_t i = 0; i <= mask_; ++i) {
      if (slots[i].key_offset != kEmpty) {
        key_bytes = std::max<size_t>(key_bytes, size_t{slots[i].key_offset} + slots[i].key_size);
      }
    }
    table::DemoteToSharedCache(storage_.get(), slot_bytes() + key_bytes);
  }

 private:
  static constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();

  struct Slot {
    uint32_t tag = 0;  // high half of the hash: most mismatches stop here
    uint32_t key_size = 0;
    uint32_t key_offset = kEmpty;  // into the key bytes; kEmpty marks a free slot
    Value value{};
  };

  template <typename Items>
  void Build(const Items& items) {
    if (items.empty()) return;
    // At most two thirds full: short probe chains, and few cache lines for a
    // freshly published table to bring in.
    const size_t capacity = std::bit_ceil(items.size() + items.size() / 2 + 1);
    size_t pool_size = 0;
    for (const auto& item : items) pool_size += item.key.size();
    // One allocation: the slots, then the key bytes.
    storage_ = std::make_unique<std::byte[]>(capacity * sizeof(Slot) + pool_size);
    Slot* slots = reinterpret_cast<Slot*>(storage_.get());
    for (size_t i = 0; i < capacity; ++i) new (&slots[i]) Slot{};
    char* keys = reinterpret_cast<char*>(slots + capacity);
    mask_ = static_cast<uint32_t>(capacity - 1);
    uint32_t pool_used = 0;
    for (const auto& item : items) {
      size_t i = item.hash & mask_;
      while (slots[i].key_offset != kEmpty) {
        if (Equal(slots[i], keys, item.hash, item.key)) break;
        i = (i + 1) & mask_;
      }
      if (slots[i].key_offset != kEmpty) continue;  // a duplicate key: keep the first
      slots[i] =
          Slot{Tag(item.hash), static_cast<uint32_t>(item.key.size()), pool_used, item.value};
      // Key bytes are stored back to back, their lengths in the slots: never C strings.
      if (!item.key.empty()) {
        // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
        std::memcpy(keys + pool_used, item.key.data(), item.key.size());
      }
      pool_used += static_cast<uint32_t>(item.key.size());
      ++size_;
    }
  }

  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

  static bool Equal(const Slot& slot, const char* keys, uint64_t hash, std::string_view key) {
    return slot.tag == Tag(hash) && slot.key_size == key.size() &&
           KeyBytesEqual(keys + slot.key_offset, key.data(), key.size());
  }

  // Kept to 16 bytes so that the structures holding several indexes stay
  // within one cache line.
  std::unique_ptr<std::byte[]> storage_;
  uint32_t mask_ = 0;
  uint32_t size_ = 0;
};

}  // namespace atrium::table
