#include "base/helper_threads.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace atrium::base {
namespace {

constexpr auto kDeadline = std::chrono::seconds(10);

// Gate holds every thread that enters it until `expected` threads are in, so
// that a job provably runs on that many threads at once.
class Gate {
 public:
  explicit Gate(size_t expected) : expected_(expected) {}
  // Returns whether all expected threads arrived before the deadline.
  bool Arrive() {
    std::unique_lock lock(mutex_);
    threads_.insert(std::this_thread::get_id());
    ++arrived_;
    all_in_.notify_all();
    return all_in_.wait_for(lock, kDeadline, [this] { return arrived_ >= expected_; });
  }
  std::set<std::thread::id> threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  const size_t expected_;
  mutable std::mutex mutex_;
  std::condition_variable all_in_;
  size_t arrived_ = 0;
  std::set<std::thread::id> threads_;
};

TEST(HelperThreadsTest, RunsTheJobOnTheCallerAndTheHelpersAtOnce) {
  HelperThreads helpers(3);
  Gate gate(4);
  std::atomic<int> met{0};
  helpers.Run(3, [&] {
    if (gate.Arrive()) ++met;
  });
  // Run returned only after all four calls did, each having met the others.
  EXPECT_EQ(met.load(), 4);
  EXPECT_EQ(gate.threads().size(), 4u);
  EXPECT_EQ(gate.threads().count(std::this_thread::get_id()), 1u);
}

TEST(HelperThreadsTest, KeepsItsThreadsAcrossRuns) {
  HelperThreads helpers(2);
  EXPECT_EQ(helpers.started(), 0u);  // none until needed
  std::set<std::thread::id> first;
  std::set<std::thread::id> second;
  {
    Gate gate(3);
    helpers.Run(2, [&] { gate.Arrive(); });
    first = gate.threads();
  }
  {
    Gate gate(3);
    helpers.Run(2, [&] { gate.Arrive(); });
    second = gate.threads();
  }
  EXPECT_EQ(helpers.started(), 2u);
  EXPECT_EQ(first.size(), 3u);
  EXPECT_EQ(first, second);  // the same helpers, not new threads
}

TEST(HelperThreadsTest, StopEndsTheHelpersAndRunStartsThemAgain) {
  HelperThreads helpers(2);
  {
    Gate gate(3);
    helpers.Run(2, [&] { gate.Arrive(); });
  }
  EXPECT_EQ(helpers.started(), 2u);
  helpers.Stop();
  EXPECT_EQ(helpers.started(), 0u);
  Gate gate(3);
  std::atomic<int> met{0};
  helpers.Run(2, [&] {
    if (gate.Arrive()) ++met;
  });
  EXPECT_EQ(met.load(), 3);
  EXPECT_EQ(helpers.started(), 2u);
}

TEST(HelperThreadsTest, NeverUsesMoreThanItsCapacity) {
  HelperThreads helpers(1);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  helpers.Run(5, [&] {
    const int now = ++inside;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    {
      std::lock_guard lock(mutex);
      threads.insert(std::this_thread::get_id());
    }
    --inside;
  });
  EXPECT_LE(most.load(), 2);
  EXPECT_LE(threads.size(), 2u);
  EXPECT_EQ(helpers.started(), 1u);
}

TEST(HelperThreadsTest, NoHelpersRunsOnTheCallerOnly) {
  HelperThreads helpers(0);
  std::thread::id ran_on;
  int calls = 0;
  helpers.Run(3, [&] {
    ran_on = std::this_thread::get_id();
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(helpers.started(), 0u);
}

TEST(HelperThreadsTest, SharesAQueueOfWorkAndFinishesAllOfIt) {
  // The status writer's use: every call takes items until none is left.
  HelperThreads helpers(3);
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> next{0};
    std::atomic<int> done{0};
    helpers.Run(3, [&] {
      while (next.fetch_add(1) < 100) ++done;
    });
    ASSERT_EQ(done.load(), 100) << "round " << round;
  }
}

}  // namespace
}  // namespace atrium::base
