#pragma once

// HostIndex picks the virtual host of one listener for a request's Host
// header: the exact hostname first, then the most specific wildcard (the
// longest suffix; an Ingress "*.example.com" covers exactly one label, a
// Gateway API one covers one or more), then the catch-all. It never falls
// back to a less specific host once one matched.
//
// The Host header is normalized (port and one trailing dot stripped,
// lowercased) and hashed in one pass into a stack buffer. Wildcard suffixes
// are hashed only when the exact lookup misses and wildcards exist.
//
// Thread safety: immutable after construction; Find may run on any number
// of threads concurrently. Find never allocates.

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "controller/ir/route_config.h"
#include "proxy/table/hash_index.h"
#include "proxy/table/key_hash.h"

namespace atrium::table {

inline constexpr size_t kMaxHostLength = 255;

// LastColon returns the position of the last ':' in s, or npos. It scans
// backwards a word at a time (a port is at the end): on a Host header this
// is cheaper than a call to memrchr.
inline size_t LastColon(std::string_view s) {
  constexpr uint64_t kLowBits = 0x7f7f7f7f7f7f7f7full;
  // The high bit of every byte of word that is ':', and no other bit (no
  // borrow runs from one byte into the next).
  const auto colons = [](uint64_t word) {
    const uint64_t x = word ^ (0x0101010101010101ull * ':');
    return ~(((x & kLowBits) + kLowBits) | x) & ~kLowBits;
  };
  const char* p = s.data();
  size_t i = s.size();
  for (; i >= 8; i -= 8) {
    const uint64_t found = colons(LoadWord(p + i - 8));
    if (found != 0) return i - 8 + static_cast<size_t>(63 - std::countl_zero(found)) / 8;
  }
  if (i == 0) return std::string_view::npos;
  if (s.size() >= 8) {
    // The first word overlaps bytes already scanned, which hold no ':'.
    const uint64_t found = colons(LoadWord(p));
    if (found == 0) return std::string_view::npos;
    return static_cast<size_t>(63 - std::countl_zero(found)) / 8;
  }
  while (i > 0) {
    if (p[--i] == ':') return i;
  }
  return std::string_view::npos;
}

// HostWithoutPort strips a port ("a.b:80" -> "a.b", "[::1]:80" -> "[::1]")
// and then one trailing dot; it does not change case.
inline std::string_view HostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
  } else if (const size_t colon = LastColon(host); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

// HostIndexKey is the key a configured hostname of kind is stored under:
// the normalized hostname, or for wildcards its suffix ("*.Example.com" ->
// ".example.com"). Empty for kAny.
std::string HostIndexKey(ir::HostnameKind kind, std::string_view hostname);
// AppendHostIndexKey appends that key to *out.
void AppendHostIndexKey(ir::HostnameKind kind, std::string_view hostname, std::string* out);

template <typename Value>
class HostIndex {
 public:
  struct Entry {
    ir::HostnameKind kind;
    std::string_view hostname;  // as in ir::VirtualHost; read only by the constructor
    Value value;
  };

  HostIndex() = default;
  // When several entries have the same kind and key, the first wins.
  explicit HostIndex(const std::vector<Entry>& entries) : seed_(RandomHashSeed()) {
    // Every key goes into one string, and the items view it: building the
    // index of thousands of hosts allocates a few buffers, not a key each.
    std::string key_bytes;
    std::vector<uint32_t> key_ends;  // by entry
    key_ends.reserve(entries.size());
    for (const Entry& entry : entries) {
      AppendHostIndexKey(entry.kind, entry.hostname, &key_bytes);
      key_ends.push_back(static_cast<uint32_t>(key_bytes.size()));
    }
    std::vector<KeyView> exact;
    std::vector<KeyView> one_label;
    std::vector<KeyView> any_labels;
    uint32_t key_begin = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      const Entry& entry = entries[i];
      const std::string_view key(key_bytes.data() + key_begin, key_ends[i] - key_begin);
      key_begin = key_ends[i];
      const uint64_t hash = HashKey(seed_, key);
      switch (entry.kind) {
        case ir::HostnameKind::kAny:
          if (!has_any_) {
            has_any_ = true;
            any_ = entry.value;
          }
          break;
        case ir::HostnameKind::kExact:
          exact.push_back({hash, key, entry.value});
          break;
        case ir::HostnameKind::kWildcardOneLabel:
          one_label.push_back({hash, key, entry.value});
          break;
        case ir::HostnameKind::kWildcardAnyLabels:
          any_labels.push_back({hash, key, entry.value});
          break;
      }
    }
    exact_ = HashIndex<Value>(exact);
    one_label_ = HashIndex<Value>(one_label);
    any_labels_ = HashIndex<Value>(any_labels);
  }

  // DemoteToSharedCache hands what Find reads to the shared cache
  // (cache_demote.h). Writer thread, before publishing.
  void DemoteToSharedCache() const {
    table::DemoteToSharedCache(this, sizeof(*this));
    exact_.DemoteToSharedCache();
    one_label_.DemoteToSharedCache();
    any_labels_.DemoteToSharedCache();
  }

  // Find returns the value of the most specific host for a raw Host header
  // value, or nullptr when none (not even a catch-all) applies.
  const Value* Find(std::string_view raw_host) const {
    std::string_view host = HostWithoutPort(raw_host);
    if (host.size() > kMaxHostLength) host = std::string_view();
    std::array<char, kMaxHostLength> buffer;
    const uint64_t hash = LowerAndHashKey(seed_, host.data(), host.size(), buffer.data());
    const std::string_view lowered(buffer.data(), host.size());
    if (const Value* value = exact_.Find(hash, lowered)) return value;
    if (!one_label_.empty() || !any_labels_.empty()) {
      if (const Value* value = FindWildcard(lowered)) return value;
    }
    return has_any_ ? &any_ : nullptr;
  }

 private:
  // A HashIndex item whose key is a view of the constructor's key bytes.
  struct KeyView {
    uint64_t hash;
    std::string_view key;
    Value value;
  };

  const Value* FindWildcard(std::string_view host) const {
    // Suffixes from the longest (most specific) to the shortest; only the
    // longest can satisfy a one-label wildcard.
    bool first = true;
    for (size_t dot = host.find('.'); dot != std::string_view::npos && dot + 1 < host.size();
         dot = host.find('.', dot + 1)) {
      const std::string_view suffix = host.substr(dot);
      const uint64_t hash = HashKey(seed_, suffix);
      if (first) {
        if (const Value* value = one_label_.Find(hash, suffix)) return value;
        first = false;
      }
      if (const Value* value = any_labels_.Find(hash, suffix)) return value;
    }
    return nullptr;
  }

  uint64_t seed_ = 0;
  HashIndex<Value> exact_;
  HashIndex<Value> one_label_;   // ".example.com" for Ingress "*.example.com"
  HashIndex<Value> any_labels_;  // ".example.com" for Gateway API "*.example.com"
  bool has_any_ = false;
  Value any_{};
};

}  // namespace atrium::table
