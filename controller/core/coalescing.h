#pragma once

// Coalescing decides when the reconciler runs a pass after changes: at
// once for a change that starts nothing bigger, and after a hold-off for
// the changes of a burst, so that a burst costs a few passes, not one per
// object.
//
// A change is reconciled at once when at most one other change came within
// the hold-off before it: a lone change, or a change right behind a lone
// one (an unrelated edit that happens to follow another by a millisecond
// must not wait out a hold-off meant for bursts). From the third change in
// a hold-off on, changes are a burst: they wait until the world has been
// quiet for the hold-off, and never longer than the maximum hold-off after
// the first of them.
//
// Pure: time is given, never read. Not thread-safe (the reconciler thread
// owns it).

#include <chrono>
#include <optional>

namespace atrium::core {

class Coalescing {
 public:
  using Clock = std::chrono::steady_clock;

  Coalescing(std::chrono::milliseconds holdoff, std::chrono::milliseconds max_holdoff)
      : holdoff_(holdoff), max_holdoff_(max_holdoff) {}

  // Changed records a change that happened at `at`.
  void Changed(Clock::time_point at);
  // dirty tells whether a change was recorded since the last Take.
  bool dirty() const { return first_change_.has_value(); }
  // Due is when the recorded changes should be reconciled. dirty() must
  // hold.
  Clock::time_point Due() const;
  // Take starts a pass with every change recorded so far, and returns the
  // time of the first of them (nullopt when none was recorded).
  std::optional<Clock::time_point> Take();

 private:
  const std::chrono::milliseconds holdoff_;
  const std::chrono::milliseconds max_holdoff_;
  std::optional<Clock::time_point> first_change_;  // since the last Take
  Clock::time_point last_change_;                  // the latest change ever
  Clock::time_point change_before_last_;           // the one before it
  bool at_once_ = false;  // the changes since the last Take are reconciled at once
};

}  // namespace atrium::core
