#include "controller/core/coalescing.h"

#include <algorithm>
#include <utility>

namespace atrium::core {

void Coalescing::Changed(Clock::time_point at) {
  // Whether the pass goes at once is decided by the change that makes the
  // world dirty; later ones join that pass.
  if (!dirty()) at_once_ = at >= change_before_last_ + holdoff_;
  if (!first_change_ || at < *first_change_) first_change_ = at;
  if (at > last_change_) {
    change_before_last_ = last_change_;
    last_change_ = at;
  }
}

Coalescing::Clock::time_point Coalescing::Due() const {
  if (at_once_) return *first_change_;
  return std::min(last_change_ + holdoff_, *first_change_ + max_holdoff_);
}

std::optional<Coalescing::Clock::time_point> Coalescing::Take() {
  return std::exchange(first_change_, std::nullopt);
}

}  // namespace atrium::core
