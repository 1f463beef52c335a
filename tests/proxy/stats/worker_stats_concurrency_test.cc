// Workers insert new series (new routes, new backends) while other threads
// sum them: under TSan this checks the threading contract of WorkerStats
// (owner-only writes without locks, snapshots from any thread).

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/stats/worker_stats.h"

namespace atrium::stats {
namespace {

constexpr int kRoutes = 2000;

// StartWorkers starts one thread per worker of registry, each calling
// record(its WorkerStats, i) for i in [0, kRoutes), then counting itself in
// *done. Half-way, each waits until the reader has finished a read (*reads),
// so that at least one read overlaps the workers' inserts however fast they
// are (a deadline keeps a broken reader from hanging the test).
template <typename Record>
std::vector<std::thread> StartWorkers(StatsRegistry& registry, std::atomic<int>* done,
                                      const std::atomic<int>* reads, Record record) {
  std::vector<std::thread> workers;
  for (size_t w = 0; w < registry.size(); ++w) {
    workers.emplace_back([&registry, done, reads, record, w] {
      WorkerStats& mine = registry.worker(w);
      for (int i = 0; i < kRoutes / 2; ++i) record(mine, i);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (reads->load() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      for (int i = kRoutes / 2; i < kRoutes; ++i) record(mine, i);
      done->fetch_add(1);
    });
  }
  return workers;
}

TEST(WorkerStatsConcurrencyTest, SumsWhileWorkersAddSeries) {
  StatsRegistry registry(2);
  std::atomic<int> workers_done{0};
  std::atomic<int> sums{0};
  std::vector<std::thread> workers =
      StartWorkers(registry, &workers_done, &sums, [](WorkerStats& mine, int i) {
        const std::string route = "route-" + std::to_string(i);
        mine.RecordRequest(route, "backend-" + std::to_string(i % 5), 200, 0.001);
        mine.RecordRequest(route, "backend-" + std::to_string(i % 3), 503, 0.5);
        mine.ConnectionOpened();
      });
  // Sums, until the workers are done (or a deadline passes): every sum is
  // consistent with itself, and counts only grow.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  uint64_t last_total = 0;
  while (workers_done.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    const StatsSnapshot sum = registry.Sum();
    uint64_t counted = 0;
    for (const auto& [key, count] : sum.requests) counted += count;
    for (const auto& [route, histogram] : sum.duration_by_route) {
      EXPECT_EQ(route.substr(0, 6), "route-");
    }
    EXPECT_GE(counted, last_total);
    last_total = counted;
    sums.fetch_add(1);
  }
  for (std::thread& worker : workers) worker.join();
  const StatsSnapshot sum = registry.Sum();
  EXPECT_EQ(sum.total_requests, 2u * 2 * kRoutes);
  EXPECT_EQ(sum.total_connections, 2u * kRoutes);
  EXPECT_EQ(sum.duration_by_route.size(), static_cast<size_t>(kRoutes));
  EXPECT_EQ(sum.duration_by_route["route-7"].count, 4u);
  EXPECT_EQ((sum.requests[RequestKey{"route-7", "backend-2", 2}]), 2u);
  EXPECT_EQ((sum.requests[RequestKey{"route-7", "backend-1", 5}]), 2u);
  EXPECT_GT(sums.load(), 0);
}

// SumInBatches lists the routes under each worker's lock, then sums a batch
// at a time while the workers keep inserting: every batch is in route order
// and follows the one before, and the totals only grow.
TEST(WorkerStatsConcurrencyTest, SumsInBatchesWhileWorkersAddSeries) {
  StatsRegistry registry(2);
  std::atomic<int> workers_done{0};
  std::atomic<int> walks{0};
  std::vector<std::thread> workers =
      StartWorkers(registry, &workers_done, &walks, [](WorkerStats& mine, int i) {
        mine.RecordRequest("route-" + std::to_string(i), "backend-" + std::to_string(i % 5), 200,
                           0.001);
      });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  uint64_t last_total = 0;
  auto walk = [&registry, &last_total] {
    uint64_t counted = 0;
    std::string last_route;
    registry.SumInBatches(64, [&](const StatsSnapshot& batch) {
      EXPECT_LE(batch.duration_by_route.size(), 64u);
      for (const auto& [route, histogram] : batch.duration_by_route) {
        EXPECT_LT(last_route, route);
        last_route = std::string(route);
        counted += histogram.count;
      }
    });
    EXPECT_GE(counted, last_total);
    last_total = counted;
  };
  while (workers_done.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    walk();
    walks.fetch_add(1);
  }
  for (std::thread& worker : workers) worker.join();
  walk();
  EXPECT_EQ(last_total, 2u * kRoutes);
  EXPECT_EQ(registry.SumTotals().total_requests, 2u * kRoutes);
  EXPECT_GT(walks.load(), 0);
}

}  // namespace
}  // namespace atrium::stats
