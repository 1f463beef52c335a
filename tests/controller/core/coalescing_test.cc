// Coalescing: when the reconciler runs a pass after changes, on made-up
// time (no clock is read).

#include "controller/core/coalescing.h"

#include <gtest/gtest.h>

#include <chrono>

namespace atrium::core {
namespace {

using std::chrono::milliseconds;
using Time = Coalescing::Clock::time_point;

constexpr milliseconds kHoldoff{2};
constexpr milliseconds kMaxHoldoff{50};
const Time kStart = Time() + std::chrono::hours(1);

TEST(CoalescingTest, NothingIsDueBeforeAChange) {
  Coalescing coalescing(kHoldoff, kMaxHoldoff);
  EXPECT_FALSE(coalescing.dirty());
  EXPECT_EQ(coalescing.Take(), std::nullopt);
}

TEST(CoalescingTest, ALoneChangeGoesAtOnce) {
  Coalescing coalescing(kHoldoff, kMaxHoldoff);
  coalescing.Changed(kStart);
  ASSERT_TRUE(coalescing.dirty());
  EXPECT_EQ(coalescing.Due(), kStart);
  EXPECT_EQ(coalescing.Take(), kStart);
  EXPECT_FALSE(coalescing.dirty());
}

TEST(CoalescingTest, AChangeRightBehindALoneOneGoesAtOnce) {
  // An edit that follows an unrelated one by a millisecond (while that
  // one's pass runs) waits for no hold-off.
  Coalescing coalescing(kHoldoff, kMaxHoldoff);
  coalescing.Changed(kStart);
  coalescing.Take();
  coalescing.Changed(kStart + milliseconds(1));
  EXPECT_EQ(coalescing.Due(), kStart + milliseconds(1));
}

TEST(CoalescingTest, TheThirdChangeOfAHoldoffWaitsForQuiet) {
  Coalescing coalescing(kHoldoff, kMaxHoldoff);
  coalescing.Changed(kStart);
  coalescing.Take();
  coalescing.Changed(kStart + milliseconds(1));
  coalescing.Take();
  const Time third = kStart + std::chrono::microseconds(1500);  // within the first's hold-off
  coalescing.Changed(third);
  EXPECT_EQ(coalescing.Due(), third + kHoldoff);
  // More of the burst pushes the pass back...
  coalescing.Changed(third + milliseconds(1));
  EXPECT_EQ(coalescing.Due(), third + milliseconds(1) + kHoldoff);
  // ...but never past the maximum hold-off after the first of them.
  for (int i = 2; i < 100; ++i) coalescing.Changed(third + milliseconds(i));
  EXPECT_EQ(coalescing.Due(), third + kMaxHoldoff);
  EXPECT_EQ(coalescing.Take(), third);
}

TEST(CoalescingTest, ChangesJoiningAPassThatGoesAtOnceDoNotDelayIt) {
  Coalescing coalescing(kHoldoff, kMaxHoldoff);
  coalescing.Changed(kStart);
  coalescing.Changed(kStart + milliseconds(1));
  coalescing.Changed(kStart + milliseconds(1));
  EXPECT_EQ(coalescing.Due(), kStart);
  EXPECT_EQ(coalescing.Take(), kStart);
}

TEST(CoalescingTest, AChangeAHoldoffAfterTheBurstGoesAtOnce) {
  Coalescing coalescing(kHoldoff, kMaxHoldoff);
  for (int i = 0; i < 5; ++i) {
    coalescing.Changed(kStart + milliseconds(i));
    coalescing.Take();
  }
  // The burst's last two changes were at +3 and +4 ms.
  const Time after = kStart + milliseconds(3) + kHoldoff;
  coalescing.Changed(after);
  EXPECT_EQ(coalescing.Due(), after);
}

}  // namespace
}  // namespace atrium::core
