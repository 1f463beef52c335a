#pragma once

// Backoff computes jittered exponential delays between retries of a failing
// API call, so that many replicas (and many informers in one replica) do not
// hammer a struggling API server in lockstep. A 429 or 503 with Retry-After
// waits at least what the server asked.
//
// Threading: a Backoff belongs to one thread. SleepFor may be called from
// any thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <stop_token>

namespace atrium::kube {

struct BackoffOptions {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds max{std::chrono::seconds(30)};
  double factor = 2.0;
  // Each delay is drawn uniformly from [base * (1 - jitter), base].
  double jitter = 0.5;
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {}, uint64_t seed = std::random_device{}());

  // Next returns the delay before the next attempt and grows the base
  // delay. retry_after, when given, is a floor (the server's Retry-After).
  std::chrono::milliseconds Next(std::optional<std::chrono::seconds> retry_after = std::nullopt);
  // Reset starts again from the initial delay (after a success).
  void Reset();
  // base is the delay the next Next() draws from, before jitter.
  std::chrono::milliseconds base() const { return base_; }
  int failures() const { return failures_; }

 private:
  BackoffOptions options_;
  std::mt19937_64 random_;
  std::chrono::milliseconds base_;
  int failures_ = 0;
};

// SleepFor waits for delay or until stop is requested; false when stopped.
bool SleepFor(const std::stop_token& stop, std::chrono::milliseconds delay);

}  // namespace atrium::kube
