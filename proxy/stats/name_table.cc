#include "proxy/stats/name_table.h"

#include <cstring>
#include <functional>

namespace atrium::stats {

NameTable::Name NameTable::Intern(std::string_view text) {
  const std::hash<std::string_view> hasher;
  const size_t hash = hasher(text);
  std::lock_guard lock(mutex_);
  const uint32_t found =
      index_.Find(hash, [this, text](uint32_t id) { return texts_[id] == text; });
  if (found != IdIndex::kNone) return {texts_[found], found};

  char* bytes = nullptr;
  if (text.size() > kChunkBytes / 4) {
    // A long name gets a chunk of its own; the current one keeps filling.
    bytes = chunks_.emplace_back(std::make_unique<char[]>(text.size())).get();
  } else {
    if (chunk_left_ < text.size()) {
      chunk_ = chunks_.emplace_back(std::make_unique<char[]>(kChunkBytes)).get();
      chunk_left_ = kChunkBytes;
    }
    bytes = chunk_;
    chunk_ += text.size();
    chunk_left_ -= text.size();
  }
  if (!text.empty()) std::memcpy(bytes, text.data(), text.size());
  const auto id = static_cast<uint32_t>(texts_.size());
  texts_.emplace_back(bytes, text.size());
  index_.Insert(hash, id, [this, &hasher](uint32_t kept) { return hasher(texts_[kept]); });
  return {texts_.back(), id};
}

std::string_view NameTable::Text(uint32_t id) const {
  std::lock_guard lock(mutex_);
  return texts_[id];
}

size_t NameTable::size() const {
  std::lock_guard lock(mutex_);
  return texts_.size();
}

}  // namespace atrium::stats
