#include "tests/apiserver/fault_injector.h"

#include <algorithm>

namespace atrium::testing {
namespace {

ApiResult FailureFor(const FailureRule& rule) {
  int retry_after = rule.retry_after_seconds;
  if (retry_after == 0 && (rule.status == 429 || rule.status == 503)) retry_after = 1;
  ApiResult result;
  switch (rule.status) {
    case 429:
      result = StatusError(429, "TooManyRequests", "Too many requests, please try again later.");
      break;
    case 500:
      result = StatusError(500, "InternalError",
                           "Internal error occurred: injected by the test API server");
      break;
    case 503:
      result = StatusError(503, "ServiceUnavailable", "The server is currently unavailable");
      break;
    case 504:
      result = StatusError(504, "Timeout", "The server was unable to respond in time");
      break;
    default:
      result = StatusError(rule.status, "", "injected failure");
      break;
  }
  if (retry_after > 0) {
    result.body["details"] = {{"retryAfterSeconds", retry_after}};
    result.headers.emplace_back("Retry-After", std::to_string(retry_after));
  }
  return result;
}

}  // namespace

void FaultInjector::AddFailure(FailureRule rule) {
  std::lock_guard lock(mutex_);
  auto until = rule.duration.count() > 0 ? std::chrono::steady_clock::now() + rule.duration
                                         : std::chrono::steady_clock::time_point::max();
  rules_.push_back({std::move(rule), until});
}

void FaultInjector::SetDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delay_ = delay;
}

void FaultInjector::Clear() {
  std::lock_guard lock(mutex_);
  rules_.clear();
  delay_ = std::chrono::milliseconds(0);
  ++interrupt_epoch_;
  interrupted_.notify_all();
}

void FaultInjector::SuspendDelays() {
  std::lock_guard lock(mutex_);
  delays_suspended_ = true;
  interrupted_.notify_all();
}

void FaultInjector::ResumeDelays() {
  std::lock_guard lock(mutex_);
  delays_suspended_ = false;
}

size_t FaultInjector::delayed_requests() const {
  std::lock_guard lock(mutex_);
  return delayed_requests_;
}

uint64_t FaultInjector::injected_failures() const {
  std::lock_guard lock(mutex_);
  return injected_failures_;
}

std::optional<ApiResult> FaultInjector::Before(std::string_view path, bool is_watch) {
  std::unique_lock lock(mutex_);
  if (delay_.count() > 0 && !delays_suspended_) {
    uint64_t epoch = interrupt_epoch_;
    ++delayed_requests_;
    interrupted_.wait_for(lock, delay_,
                          [&] { return interrupt_epoch_ != epoch || delays_suspended_; });
    --delayed_requests_;
  }
  auto now = std::chrono::steady_clock::now();
  rules_.erase(
      std::remove_if(rules_.begin(), rules_.end(),
                     [&](const ActiveRule& r) { return now >= r.until || r.rule.count == 0; }),
      rules_.end());
  for (ActiveRule& active : rules_) {
    const FailureRule& rule = active.rule;
    if (!rule.path_contains.empty() && path.find(rule.path_contains) == std::string_view::npos) {
      continue;
    }
    if (rule.watch && *rule.watch != is_watch) continue;
    if (active.rule.count > 0) --active.rule.count;
    ++injected_failures_;
    return FailureFor(rule);
  }
  return std::nullopt;
}

}  // namespace atrium::testing
