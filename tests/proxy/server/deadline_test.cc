#include "proxy/server/deadline.h"

#include <memory>
#include <vector>

#include <gtest/gtest.h>

namespace atrium::server {
namespace {

using namespace std::chrono_literals;

struct Recorder : DeadlineListener {
  explicit Recorder(int* calls) : calls(calls) {}
  void OnDeadline(Deadline& deadline) override {
    ++*calls;
    fired.push_back(Clock::now());
  }
  int* calls;
  std::vector<Clock::time_point> fired;
};

class DeadlineTest : public ::testing::Test {
 protected:
  // RunFor runs the loop until it has nothing left or limit passes.
  void RunFor(Clock::duration limit) { io_context_.run_for(limit); }

  asio::io_context io_context_;
  int calls_ = 0;
  std::shared_ptr<Recorder> recorder_ = std::make_shared<Recorder>(&calls_);
  Deadline deadline_{io_context_.get_executor(), recorder_.get(), 50ms};
  void SetUp() override { deadline_.SetOwner(recorder_); }
};

TEST_F(DeadlineTest, FiresOnceAfterTheDeadline) {
  auto start = Clock::now();
  deadline_.Arm(30ms);
  RunFor(1s);
  ASSERT_EQ(recorder_->fired.size(), 1u);
  EXPECT_GE(recorder_->fired[0] - start, 30ms);
  EXPECT_TRUE(deadline_.expired());
}

TEST_F(DeadlineTest, MovingLaterPostponesAndDisarmPrevents) {
  auto start = Clock::now();
  deadline_.Arm(20ms);
  deadline_.Arm(120ms);  // later: no re-arm, the pending wake-up sleeps again
  RunFor(1s);
  ASSERT_EQ(recorder_->fired.size(), 1u);
  EXPECT_GE(recorder_->fired[0] - start, 120ms);

  deadline_.Arm(20ms);
  deadline_.Disarm();
  io_context_.restart();
  RunFor(200ms);
  EXPECT_EQ(recorder_->fired.size(), 1u);
}

TEST_F(DeadlineTest, MovingEarlierRearms) {
  auto start = Clock::now();
  deadline_.Arm(10s);
  deadline_.Arm(20ms);
  RunFor(2s);
  ASSERT_EQ(recorder_->fired.size(), 1u);
  EXPECT_LT(recorder_->fired[0] - start, 1s);
}

TEST_F(DeadlineTest, OwnerGoneMeansNoCallback) {
  deadline_.Arm(20ms);
  recorder_.reset();  // the deadline's handler must not call into it
  RunFor(200ms);
  EXPECT_EQ(calls_, 0);
}

}  // namespace
}  // namespace atrium::server
