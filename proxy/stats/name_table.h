#pragma once

// NameTable interns the label values of the data-plane counters (route and
// backend names): each distinct name is stored once, for every worker and
// every series that uses it, and has a dense id. Series then hold a view and
// an id instead of strings of their own, and a scrape sums workers by id.
//
// Names are never removed: their number is bounded by the configuration
// (worker_stats.h), and a view handed out stays valid as long as the table.
//
// Thread safety: Intern and Name may be called from any thread (they lock).
// The bytes behind a returned view are immutable, so a view may be read
// without the lock by any thread that obtained it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "proxy/stats/id_index.h"

namespace atrium::stats {

class NameTable {
 public:
  struct Name {
    std::string_view text;  // owned by the table
    uint32_t id = 0;        // dense: 0, 1, 2, ... in order of interning
  };

  NameTable() = default;
  NameTable(const NameTable&) = delete;
  NameTable& operator=(const NameTable&) = delete;

  // Intern returns text's name, adding it when new.
  Name Intern(std::string_view text);
  // Name returns the text of id (an id Intern returned).
  std::string_view Text(uint32_t id) const;
  size_t size() const;

 private:
  static constexpr size_t kChunkBytes = 4096;

  mutable std::mutex mutex_;
  // The bytes of the names, back to back in chunks that never move; a name
  // longer than a chunk gets a chunk of its own.
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* chunk_ = nullptr;  // the free bytes of the chunk being filled
  size_t chunk_left_ = 0;
  std::vector<std::string_view> texts_;  // by id
  IdIndex index_;
};

}  // namespace atrium::stats
