#include "controller/kube/backoff.h"

#include <thread>

#include <gtest/gtest.h>

namespace atrium::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BackoffTest, GrowsExponentiallyWithinJitterBoundsUpToTheCap) {
  BackoffOptions options;
  options.initial = milliseconds(100);
  options.max = milliseconds(1000);
  options.factor = 2.0;
  options.jitter = 0.5;
  Backoff backoff(options, 42);
  const int64_t bases[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t base : bases) {
    EXPECT_EQ(backoff.base().count(), base);
    milliseconds delay = backoff.Next();
    EXPECT_GE(delay.count(), base / 2) << "base " << base;
    EXPECT_LE(delay.count(), base) << "base " << base;
  }
  EXPECT_EQ(backoff.failures(), 7);
  backoff.Reset();
  EXPECT_EQ(backoff.base().count(), 100);
  EXPECT_EQ(backoff.failures(), 0);
}

TEST(BackoffTest, JitterSpreadsDelays) {
  BackoffOptions options;
  options.initial = milliseconds(10'000);
  Backoff a(options, 1);
  Backoff b(options, 2);
  EXPECT_NE(a.Next(), b.Next());
}

TEST(BackoffTest, NoJitterIsExact) {
  BackoffOptions options;
  options.initial = milliseconds(50);
  options.jitter = 0;
  Backoff backoff(options, 7);
  EXPECT_EQ(backoff.Next(), milliseconds(50));
  EXPECT_EQ(backoff.Next(), milliseconds(100));
  EXPECT_EQ(backoff.Next(), milliseconds(200));
}

TEST(BackoffTest, RetryAfterIsAFloor) {
  BackoffOptions options;
  options.initial = milliseconds(10);
  Backoff backoff(options, 3);
  EXPECT_EQ(backoff.Next(seconds(2)), milliseconds(2000));
  // A Retry-After shorter than the backoff does not shorten it.
  options.initial = milliseconds(5000);
  options.jitter = 0;
  Backoff slow(options, 3);
  EXPECT_EQ(slow.Next(seconds(1)), milliseconds(5000));
}

TEST(SleepForTest, ReturnsAtOnceWhenStopped) {
  std::stop_source source;
  std::thread stopper([&source] { source.request_stop(); });
  const auto start = std::chrono::steady_clock::now();
  bool completed = SleepFor(source.get_token(), seconds(30));
  stopper.join();
  EXPECT_FALSE(completed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
}

TEST(SleepForTest, SleepsTheWholeDelayWhenNotStopped) {
  std::stop_source source;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(SleepFor(source.get_token(), milliseconds(20)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(20));
}

}  // namespace
}  // namespace atrium::kube
