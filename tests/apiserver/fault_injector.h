#pragma once

// FaultInjector makes the test API server misbehave on purpose, the way a
// real control plane does under stress: answer 500/429/503 (with
// Retry-After) for the next N requests or for a while, or answer slowly.
// Dropping watches and restarting with compaction live in ApiServer, since
// they involve the store and the listener.
//
// Threading: safe from any thread. Before() runs on every request thread.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/apiserver/api_result.h"

namespace atrium::testing {

// FailureRule answers matching requests with status instead of serving them.
struct FailureRule {
  int status = 500;
  // How many requests fail; -1 means no count limit.
  int count = -1;
  // For how long requests fail; zero means no time limit. A rule with
  // neither limit lasts until ClearFaults().
  std::chrono::milliseconds duration{0};
  // Retry-After seconds (429 and 503 get 1 when this is 0).
  int retry_after_seconds = 0;
  // Only requests whose path contains this string fail ("" matches all),
  // e.g. "/httproutes" or "/apis/gateway.networking.k8s.io".
  std::string path_contains;
  // Only WATCH requests (true) or only non-watch requests (false) fail; unset: both.
  std::optional<bool> watch;

  // NextRequests fails the next count requests; For fails every request for
  // a while. Adjust the other fields on the result.
  static FailureRule NextRequests(int count, int status = 500) {
    FailureRule rule;
    rule.status = status;
    rule.count = count;
    return rule;
  }
  static FailureRule For(std::chrono::milliseconds duration, int status = 500) {
    FailureRule rule;
    rule.status = status;
    rule.duration = duration;
    return rule;
  }
};

class FaultInjector {
 public:
  void AddFailure(FailureRule rule);
  void SetDelay(std::chrono::milliseconds delay);
  void Clear();

  // Before is called for each API request before it is served: it sleeps the
  // configured delay, then returns the failure to answer with, if any.
  std::optional<ApiResult> Before(std::string_view path, bool is_watch);

  // SuspendDelays cuts short every delay being slept now and skips delays
  // until ResumeDelays: a stopping server must not wait out its requests'
  // delays. The frontend calls them on Stop and Start.
  void SuspendDelays();
  void ResumeDelays();
  // delayed_requests is how many requests are sleeping out a delay now.
  size_t delayed_requests() const;

  // injected_failures counts the requests answered with an injected failure.
  uint64_t injected_failures() const;

 private:
  struct ActiveRule {
    FailureRule rule;
    std::chrono::steady_clock::time_point until;
  };

  mutable std::mutex mutex_;
  std::condition_variable interrupted_;
  uint64_t interrupt_epoch_ = 0;
  bool delays_suspended_ = false;
  size_t delayed_requests_ = 0;
  std::chrono::milliseconds delay_{0};
  std::vector<ActiveRule> rules_;
  uint64_t injected_failures_ = 0;
};

}  // namespace atrium::testing
