// LeaderElector against the in-process test API server: two replicas, one
// leader; takeover after the leader stops renewing; release on shutdown;
// stepping down when renewals fail.
#include "controller/leader/leader_elector.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "base/time_format.h"
#include "tests/apiserver/api_server.h"

namespace atrium::leader {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

constexpr milliseconds kWait{10'000};

// WaitUntil polls pred until it holds or timeout passes.
bool WaitUntil(const std::function<bool()>& pred, milliseconds timeout = kWait) {
  const auto deadline = Steady::now() + timeout;
  while (!pred()) {
    if (Steady::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));  // polling a condition with a deadline
  }
  return true;
}

class LeaderElectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.Start()) << api_.error();
    kube::KubeConfig config;
    config.server = api_.url();
    config.token = api_.token();
    config.ca_pem = api_.ca_pem();
    client_a_ = std::make_unique<kube::KubeClient>(config);
    client_b_ = std::make_unique<kube::KubeClient>(config);
  }

  LeaderElectorOptions Options(const std::string& identity) {
    LeaderElectorOptions options;
    options.ns = "kube-system";
    options.name = "atrium-test";
    options.identity = identity;
    // Short enough for a quick test, long enough that a loaded machine
    // running sanitizers renews in time.
    options.lease_duration = milliseconds(3000);
    options.renew_deadline = milliseconds(2000);
    options.retry_period = milliseconds(200);
    return options;
  }

  json Lease() {
    std::optional<json> lease = api_.Get("leases", "kube-system", "atrium-test");
    return lease ? *lease : json();
  }

  testing::ApiServer api_;
  std::unique_ptr<kube::KubeClient> client_a_;
  std::unique_ptr<kube::KubeClient> client_b_;
};

TEST(LeaderElectorOptionsTest, DurationsMustNest) {
  LeaderElectorOptions options;
  EXPECT_EQ(ValidateElectorOptions(options), "");
  options.renew_deadline = options.lease_duration;
  EXPECT_NE(ValidateElectorOptions(options).find("lease-duration"), std::string::npos);
  options = {};
  options.retry_period = options.renew_deadline;
  EXPECT_NE(ValidateElectorOptions(options).find("retry-period"), std::string::npos);
  options = {};
  options.name.clear();
  EXPECT_NE(ValidateElectorOptions(options), "");
  EXPECT_NE(DefaultIdentity(), DefaultIdentity());
}

TEST_F(LeaderElectorTest, ExactlyOneOfTwoLeads) {
  std::atomic<int> started{0};
  LeaderElectorOptions a_options = Options("replica-a");
  LeaderElectorOptions b_options = Options("replica-b");
  a_options.on_started_leading = [&started] { ++started; };
  b_options.on_started_leading = [&started] { ++started; };
  LeaderElector a(*client_a_, a_options);
  LeaderElector b(*client_b_, b_options);
  a.Start();
  b.Start();
  ASSERT_TRUE(WaitUntil([&] { return a.is_leader() || b.is_leader(); }));
  // For a lease duration, never both.
  const auto until = Steady::now() + milliseconds(3000);
  int both = 0;
  while (Steady::now() < until) {
    if (a.is_leader() && b.is_leader()) ++both;
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(both, 0);
  EXPECT_NE(a.is_leader(), b.is_leader());
  EXPECT_EQ(started.load(), 1);
  const std::string leader = a.is_leader() ? "replica-a" : "replica-b";
  json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], leader);
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 3);
  EXPECT_TRUE(base::ParseTime(lease["spec"]["renewTime"].get<std::string>()));
  EXPECT_EQ((a.is_leader() ? b : a).holder(), leader);
}

TEST_F(LeaderElectorTest, TheOtherTakesOverAfterTheLeaderStopsRenewing) {
  LeaderElectorOptions a_options = Options("replica-a");
  a_options.release_on_stop = false;  // a crash: the lease is left behind
  auto a = std::make_unique<LeaderElector>(*client_a_, a_options);
  a->Start();
  ASSERT_TRUE(WaitUntil([&] { return a->is_leader(); }));
  LeaderElector b(*client_b_, Options("replica-b"));
  b.Start();
  ASSERT_TRUE(WaitUntil([&] { return b.holder() == "replica-a"; }));
  // b waits while a renews.
  EXPECT_FALSE(WaitUntil([&] { return b.is_leader(); }, milliseconds(1500)));
  const auto stopped = Steady::now();
  a->Stop();
  ASSERT_TRUE(WaitUntil([&] { return b.is_leader(); }, milliseconds(8000)));
  const auto took = Steady::now() - stopped;
  // Not before the lease could have expired (less a retry period of
  // observation slack), and within the lease duration plus a few retries.
  EXPECT_GE(took, milliseconds(2600));
  EXPECT_LE(took, milliseconds(6000));
  json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "replica-b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
}

TEST_F(LeaderElectorTest, ReleasesTheLeaseOnStopSoTheOtherTakesOverAtOnce) {
  LeaderElectorOptions a_options = Options("replica-a");
  a_options.lease_duration = milliseconds(10'000);
  a_options.renew_deadline = milliseconds(6000);
  LeaderElectorOptions b_options = Options("replica-b");
  b_options.lease_duration = a_options.lease_duration;
  b_options.renew_deadline = a_options.renew_deadline;
  auto a = std::make_unique<LeaderElector>(*client_a_, a_options);
  a->Start();
  ASSERT_TRUE(WaitUntil([&] { return a->is_leader(); }));
  LeaderElector b(*client_b_, b_options);
  b.Start();
  ASSERT_TRUE(WaitUntil([&] { return b.holder() == "replica-a"; }));
  const auto stopped = Steady::now();
  a->Stop();
  EXPECT_FALSE(a->is_leader());
  ASSERT_TRUE(WaitUntil([&] { return b.is_leader(); }, milliseconds(5000)));
  EXPECT_LT(Steady::now() - stopped, milliseconds(5000));  // well before the 10 s lease ran out
}

TEST_F(LeaderElectorTest, StopsLeadingWhenRenewalsFailAndComesBack) {
  std::atomic<int> stopped_leading{0};
  LeaderElectorOptions options = Options("replica-a");
  options.on_stopped_leading = [&stopped_leading] { ++stopped_leading; };
  LeaderElector a(*client_a_, options);
  a.Start();
  ASSERT_TRUE(WaitUntil([&] { return a.is_leader(); }));
  testing::FailureRule failing;
  failing.status = 500;
  failing.path_contains = "/leases";
  api_.FailRequests(failing);
  const auto failed_at = Steady::now();
  ASSERT_TRUE(WaitUntil([&] { return !a.is_leader(); }, milliseconds(5000)));
  // is_leader turns false by the renew deadline, before the lease expires.
  EXPECT_LT(Steady::now() - failed_at, milliseconds(3000));
  ASSERT_TRUE(WaitUntil([&] { return stopped_leading.load() == 1; }));
  api_.ClearFaults();
  EXPECT_TRUE(WaitUntil([&] { return a.is_leader(); }));
}

}  // namespace
}  // namespace atrium::leader
