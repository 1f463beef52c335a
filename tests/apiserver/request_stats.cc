#include "tests/apiserver/request_stats.h"

namespace atrium::testing {

void RequestStats::Record(std::string_view verb, std::string_view resource) {
  std::string key = std::string(verb) + " " + std::string(resource);
  std::lock_guard lock(mutex_);
  ++counts_[key];
}

uint64_t RequestStats::Count(std::string_view verb, std::string_view resource) const {
  std::string key = std::string(verb) + " " + std::string(resource);
  std::lock_guard lock(mutex_);
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

std::map<std::string, uint64_t> RequestStats::Snapshot() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void RequestStats::Reset() {
  std::lock_guard lock(mutex_);
  counts_.clear();
}

}  // namespace atrium::testing
