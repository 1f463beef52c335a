#pragma once

// Deadline calls its listener once a point in time has passed. It is built
// for timeouts that move on every request: moving a deadline later only
// stores a time point (the pending timer wakes, sees the new time and sleeps
// again), so the hot path re-arms a timer only when a deadline moves earlier
// than the pending wake-up. Wake-ups are spaced at most `granularity` apart,
// which keeps deadlines no shorter than the granularity from ever needing a
// re-arm.
//
// Threading: one worker thread (the owner's io_context). Lifetime: handlers
// hold only a weak_ptr to the owner (SetOwner) and do nothing once the owner
// is gone, so the owner may be destroyed with a wait pending.

#include <memory>

#include "proxy/server/asio_types.h"

namespace atrium::server {

class Deadline;

class DeadlineListener {
 public:
  virtual ~DeadlineListener() = default;
  // OnDeadline runs on the worker thread when deadline has expired. The
  // deadline is disarmed when it is called.
  virtual void OnDeadline(Deadline& deadline) = 0;
};

class Deadline {
 public:
  Deadline(const Executor& executor, DeadlineListener* listener, Clock::duration granularity);
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // SetOwner must be called before the first Arm; owner keeps listener alive.
  void SetOwner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }

  void Arm(Clock::duration timeout) { ArmAt(Clock::now() + timeout); }
  void ArmAt(Clock::time_point when);
  void Disarm() { deadline_ = Clock::time_point::max(); }
  // Cancel disarms and cancels the pending wait (for shutdown).
  void Cancel();

  // expired is true from the moment the listener was called until the next Arm.
  bool expired() const { return expired_; }
  Clock::time_point deadline() const { return deadline_; }

 private:
  void StartWait(Clock::time_point wake);
  void OnTimer(uint64_t sequence);

  Timer timer_;
  DeadlineListener* listener_;
  Clock::duration granularity_;
  std::weak_ptr<void> owner_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point wake_ = Clock::time_point::max();
  uint64_t sequence_ = 0;  // identifies the one wait that is still current
  bool waiting_ = false;
  bool expired_ = false;
};

}  // namespace atrium::server
