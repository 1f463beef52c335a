#include "controller/kube/backoff.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace atrium::kube {

Backoff::Backoff(BackoffOptions options, uint64_t seed)
    : options_(options), random_(seed), base_(options.initial) {}

std::chrono::milliseconds Backoff::Next(std::optional<std::chrono::seconds> retry_after) {
  const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> draw(1.0 - jitter, 1.0);
  auto delay = std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(base_.count()) * draw(random_)));
  ++failures_;
  const double grown = static_cast<double>(base_.count()) * std::max(1.0, options_.factor);
  base_ = std::chrono::milliseconds(
      static_cast<int64_t>(std::min(grown, static_cast<double>(options_.max.count()))));
  if (retry_after) delay = std::max<std::chrono::milliseconds>(delay, *retry_after);
  return delay;
}

void Backoff::Reset() {
  base_ = options_.initial;
  failures_ = 0;
}

bool SleepFor(const std::stop_token& stop, std::chrono::milliseconds delay) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace atrium::kube
