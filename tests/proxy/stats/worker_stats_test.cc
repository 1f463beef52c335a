#include "proxy/stats/worker_stats.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace atrium::stats {
namespace {

std::vector<RequestKey> Keys(const StatsSnapshot& snapshot) {
  std::vector<RequestKey> keys;
  for (const auto& [key, count] : snapshot.requests) {
    keys.push_back({std::string(key.route), std::string(key.backend), key.status_class});
  }
  return keys;
}

TEST(WorkerStatsTest, SumsEverySeriesOfEveryWorkerInKeyOrder) {
  StatsRegistry registry(2);
  registry.worker(0).RecordRequest("r/b", "ns/y:80", 200, 0.002);
  registry.worker(1).RecordRequest("r/b", "ns/y:80", 204, 0.2);
  registry.worker(1).RecordRequest("r/b", "ns/x:80", 503, 1.5);
  registry.worker(0).RecordRequest("r/a", "ns/x:80", 404, 0.0001);
  registry.worker(1).RecordRequest("", "", 404, 0.0001);
  registry.worker(1).RecordRequest("r/a", "ns/x:80", 999, 20);  // out of range: 5xx

  const StatsSnapshot sum = registry.Sum();
  const std::vector<RequestKey> expected = {{"", "", 4},
                                            {"r/a", "ns/x:80", 4},
                                            {"r/a", "ns/x:80", 5},
                                            {"r/b", "ns/x:80", 5},
                                            {"r/b", "ns/y:80", 2}};
  EXPECT_EQ(Keys(sum), expected);
  EXPECT_EQ((sum.requests[RequestKey{"r/b", "ns/y:80", 2}]), 2u);
  EXPECT_EQ((sum.requests[RequestKey{"r/b", "ns/y:80", 3}]), 0u);  // never counted: absent
  EXPECT_EQ(sum.total_requests, 6u);

  ASSERT_EQ(sum.duration_by_route.size(), 3u);
  std::vector<std::string> routes;
  for (const auto& [route, histogram] : sum.duration_by_route) routes.emplace_back(route);
  EXPECT_EQ(routes, (std::vector<std::string>{"", "r/a", "r/b"}));
  const Histogram b = sum.duration_by_route["r/b"];
  EXPECT_EQ(b.count, 3u);
  EXPECT_DOUBLE_EQ(b.sum, 0.002 + 0.2 + 1.5);
  EXPECT_EQ(b.buckets[2], 1u);                                 // 0.002 <= 0.0025
  EXPECT_EQ(b.buckets[8], 1u);                                 // 0.2 <= 0.25
  EXPECT_EQ(b.buckets[11], 1u);                                // 1.5 <= 2.5
  EXPECT_EQ(sum.duration_by_route["r/a"].buckets.back(), 1u);  // 20 s: +Inf only
  EXPECT_EQ(sum.duration_by_route["missing"].count, 0u);
}

TEST(WorkerStatsTest, ManyRoutesAndBackendsKeepTheirOwnCounts) {
  StatsRegistry registry(2);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 3000; ++i) {
      const std::string route = "httproute/ns/route-" + std::to_string(i) + "/rule/0";
      registry.worker(i % 2).RecordRequest(route, "ns/svc-" + std::to_string(i % 7) + ":80",
                                           200 + 100 * (i % 4), 0.01);
    }
  }
  const StatsSnapshot sum = registry.Sum();
  EXPECT_EQ(sum.requests.size(), 3000u);
  EXPECT_EQ(sum.duration_by_route.size(), 3000u);
  for (int i = 0; i < 3000; i += 111) {
    const std::string route = "httproute/ns/route-" + std::to_string(i) + "/rule/0";
    EXPECT_EQ(
        (sum.requests[RequestKey{route, "ns/svc-" + std::to_string(i % 7) + ":80", 2 + i % 4}]), 3u)
        << route;
    EXPECT_EQ(sum.duration_by_route[route].count, 3u);
  }
}

TEST(WorkerStatsTest, SnapshotsOfSeparateWorkersAddUpAndOutliveThem) {
  StatsSnapshot total;
  {
    WorkerStats first;
    WorkerStats second;
    first.RecordRequest("r", "b", 200, 0.001);
    first.ConnectionOpened();
    second.RecordRequest("r", "b", 200, 0.001);
    second.RecordRequest("q", "b", 500, 0.001);
    second.RecordUpstreamError(UpstreamError::kReset);
    second.TlsHandshakeFailed();
    first.AddTo(&total);
    second.AddTo(&total);
    EXPECT_EQ(second.Snapshot().requests.size(), 2u);
  }
  // The workers and their name tables' owners are gone; the snapshot still
  // holds its names.
  EXPECT_EQ(Keys(total), (std::vector<RequestKey>{{"q", "b", 5}, {"r", "b", 2}}));
  EXPECT_EQ((total.requests[RequestKey{"r", "b", 2}]), 2u);
  EXPECT_EQ(total.duration_by_route["r"].count, 2u);
  EXPECT_EQ(total.total_requests, 3u);
  EXPECT_EQ(total.open_connections, 1);
  EXPECT_EQ(total.total_connections, 1u);
  EXPECT_EQ(total.tls_handshake_failures, 1u);
  EXPECT_EQ(total.upstream_errors[static_cast<int>(UpstreamError::kReset)], 1u);
}

// SumInBatches hands over what Sum holds, a batch of routes at a time, in
// route order: a route's series (of every worker and backend) all in the
// batch of its histogram.
TEST(WorkerStatsTest, BatchesHoldWhatTheSumHoldsInRouteOrder) {
  StatsRegistry registry(3);
  for (int i = 0; i < 1000; ++i) {
    const std::string route = "httproute/ns/route-" + std::to_string(i % 700) + "/rule/0";
    registry.worker(i % 3).RecordRequest(route, "ns/svc-" + std::to_string(i % 5) + ":80",
                                         200 + 100 * (i % 4), 0.001 * i);
  }
  registry.worker(2).RecordUpstreamError(UpstreamError::kReset);
  const StatsSnapshot sum = registry.Sum();

  StatsSnapshot joined;
  size_t batches = 0;
  registry.SumInBatches(64, [&](const StatsSnapshot& batch) {
    ++batches;
    EXPECT_LE(batch.duration_by_route.size(), 64u);
    ASSERT_FALSE(batch.duration_by_route.empty());
    if (!joined.duration_by_route.empty()) {
      EXPECT_LT(std::prev(joined.duration_by_route.end())->first,
                batch.duration_by_route.begin()->first);
    }
    for (const auto& [key, count] : batch.requests) {
      EXPECT_GT(batch.duration_by_route[key.route].count, 0u) << key.route;
    }
    auto& requests = joined.requests.entries();
    requests.insert(requests.end(), batch.requests.begin(), batch.requests.end());
    auto& durations = joined.duration_by_route.entries();
    durations.insert(durations.end(), batch.duration_by_route.begin(),
                     batch.duration_by_route.end());
  });
  EXPECT_EQ(batches, (700u + 63) / 64);
  EXPECT_EQ(joined.requests, sum.requests);
  EXPECT_EQ(joined.duration_by_route.size(), sum.duration_by_route.size());
  auto same = std::equal(joined.duration_by_route.begin(), joined.duration_by_route.end(),
                         sum.duration_by_route.begin(), [](const auto& a, const auto& b) {
                           return a.first == b.first && a.second.buckets == b.second.buckets &&
                                  a.second.count == b.second.count;
                         });
  EXPECT_TRUE(same);

  const StatsSnapshot totals = registry.SumTotals();
  EXPECT_TRUE(totals.requests.empty());
  EXPECT_TRUE(totals.duration_by_route.empty());
  EXPECT_EQ(totals.total_requests, 1000u);
  EXPECT_EQ(totals.upstream_errors[static_cast<int>(UpstreamError::kReset)], 1u);
}

TEST(WorkerStatsTest, AnEmptyRegistrySumsToAnEmptySnapshot) {
  StatsRegistry registry(3);
  const StatsSnapshot sum = registry.Sum();
  EXPECT_TRUE(sum.requests.empty());
  EXPECT_TRUE(sum.duration_by_route.empty());
  EXPECT_EQ(sum.total_requests, 0u);
  bool called = false;
  registry.SumInBatches(64, [&called](const StatsSnapshot&) { called = true; });
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace atrium::stats
