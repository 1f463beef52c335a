#include "proxy/server/load_balancer.h"

#include <map>

#include <gtest/gtest.h>

namespace atrium::server {
namespace {

// Action is a compiled action of one route whose backends b0, b1... have
// these weights (the targets point into the route, as Compile builds them).
table::RouteAction Action(std::vector<uint32_t> weights) {
  auto route = std::make_shared<ir::Route>();
  for (size_t i = 0; i < weights.size(); ++i) {
    route->backends.push_back({.name = "b" + std::to_string(i), .weight = weights[i]});
  }
  table::RouteAction action;
  action.route = route;
  for (const ir::Backend& backend : route->backends) {
    action.total_weight += backend.weight;
    action.backends.push_back({&backend, nullptr});
  }
  return action;
}

TEST(PickBackendTest, WeightRangesAreCumulative) {
  auto action = Action({2, 0, 3});
  EXPECT_EQ(PickBackend(action, uint64_t{0})->name(), "b0");
  EXPECT_EQ(PickBackend(action, uint64_t{1})->name(), "b0");
  EXPECT_EQ(PickBackend(action, uint64_t{2})->name(), "b2");  // weight 0 owns no point
  EXPECT_EQ(PickBackend(action, uint64_t{4})->name(), "b2");
  EXPECT_EQ(PickBackend(action, uint64_t{5}), nullptr);
}

TEST(PickBackendTest, AllZeroWeightsPickNothing) {
  auto action = Action({0, 0});
  FastRandom random(1);
  EXPECT_EQ(PickBackend(action, random), nullptr);
}

TEST(PickBackendTest, SplitFollowsWeights) {
  auto action = Action({1, 3, 0});
  FastRandom random(7);
  std::map<std::string, int> counts;
  for (int i = 0; i < 40000; ++i) counts[PickBackend(action, random)->name()]++;
  EXPECT_EQ(counts.count("b2"), 0u);
  EXPECT_NEAR(counts["b1"] / 40000.0, 0.75, 0.02);
}

class PickEndpointTest : public ::testing::Test {
 protected:
  table::EndpointSet Set(int n) {
    table::EndpointSet set;
    for (int i = 0; i < n; ++i)
      set.endpoints.push_back({"127.0.0.1", static_cast<uint16_t>(1000 + i), true});
    return set;
  }
  UpstreamEndpoint& Get(int i) {
    return registry_.Get("127.0.0.1", static_cast<uint16_t>(1000 + i));
  }

  asio::io_context io_context_;
  ProxyOptions options_;
  UpstreamRegistry registry_{io_context_.get_executor(), options_};
  FastRandom random_{42};
  Clock::time_point now_ = Clock::now();
};

TEST_F(PickEndpointTest, EmptySetPicksNothing) {
  EXPECT_EQ(PickEndpoint(Set(0), registry_, random_, nullptr, now_), nullptr);
}

TEST_F(PickEndpointTest, SingleEndpointUnlessExcluded) {
  auto set = Set(1);
  UpstreamEndpoint* only = PickEndpoint(set, registry_, random_, nullptr, now_);
  ASSERT_NE(only, nullptr);
  EXPECT_TRUE(only->resolvable);
  EXPECT_EQ(only->address.port(), 1000);
  EXPECT_EQ(PickEndpoint(set, registry_, random_, only, now_), nullptr);
}

TEST_F(PickEndpointTest, PowerOfTwoChoicesAvoidsTheBusiestEndpoint) {
  auto set = Set(2);
  Get(0).outstanding = 10;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(PickEndpoint(set, registry_, random_, nullptr, now_), &Get(1));
  }
}

TEST_F(PickEndpointTest, SkipsExcludedAndEjected) {
  auto set = Set(4);
  registry_.Eject(Get(0), now_);
  registry_.Eject(Get(1), now_);
  for (int i = 0; i < 200; ++i) {
    UpstreamEndpoint* picked = PickEndpoint(set, registry_, random_, &Get(2), now_);
    EXPECT_EQ(picked, &Get(3));
  }
  // Once the ejection is over, the endpoint is chosen again.
  std::map<UpstreamEndpoint*, int> seen;
  for (int i = 0; i < 200; ++i) {
    seen[PickEndpoint(set, registry_, random_, nullptr, now_ + options_.ejection_duration)]++;
  }
  EXPECT_GT(seen[&Get(0)], 0);
}

TEST_F(PickEndpointTest, AllEjectedPicksTheOneBackFirst) {
  auto set = Set(3);
  registry_.Eject(Get(0), now_);
  registry_.Eject(Get(1), now_ - std::chrono::milliseconds(100));
  registry_.Eject(Get(2), now_);
  EXPECT_EQ(PickEndpoint(set, registry_, random_, nullptr, now_), &Get(1));
}

TEST_F(PickEndpointTest, SweepForgetsNothingInUse) {
  Get(0).outstanding = 1;
  Get(1).last_used = now_;
  registry_.Sweep(now_ + std::chrono::hours(1));
  EXPECT_EQ(registry_.endpoint_count(), 1u);  // only the busy one is kept
}

}  // namespace
}  // namespace atrium::server
