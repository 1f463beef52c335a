#include "proxy/server/deadline.h"

#include <algorithm>

namespace atrium::server {

Deadline::Deadline(const Executor& executor, DeadlineListener* listener,
                   Clock::duration granularity)
    : timer_(executor), listener_(listener), granularity_(granularity) {}

void Deadline::ArmAt(Clock::time_point when) {
  deadline_ = when;
  expired_ = false;
  if (waiting_ && wake_ <= when) return;  // the pending wake-up comes first
  StartWait(std::min(when, Clock::now() + granularity_));
}

void Deadline::Cancel() {
  deadline_ = Clock::time_point::max();
  if (waiting_) {
    ++sequence_;
    waiting_ = false;
    timer_.cancel();
  }
}

void Deadline::StartWait(Clock::time_point wake) {
  wake_ = wake;
  waiting_ = true;
  const uint64_t sequence = ++sequence_;
  timer_.expires_at(wake);  // cancels a pending wait; its handler sees a stale sequence
  timer_.async_wait([this, owner = owner_, sequence](const ErrorCode&) {
    auto alive = owner.lock();
    if (!alive) return;
    OnTimer(sequence);
  });
}

void Deadline::OnTimer(uint64_t sequence) {
  if (sequence != sequence_) return;  // superseded by a later StartWait or Cancel
  waiting_ = false;
  if (deadline_ == Clock::time_point::max()) return;
  const auto now = Clock::now();
  if (now < deadline_) {
    StartWait(std::min(deadline_, now + granularity_));
    return;
  }
  deadline_ = Clock::time_point::max();
  expired_ = true;
  listener_->OnDeadline(*this);
}

}  // namespace atrium::server
