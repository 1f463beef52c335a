// The /admin/routes and /admin/stats documents, without a server.

#include "controller/admin/admin_json.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "proxy/stats/worker_stats.h"
#include "proxy/table/table_publisher.h"
#include "tests/controller/admin/admin_test_util.h"

namespace atrium::admin {
namespace {

TEST(RoutesJsonTest, NothingBeforeTheFirstPublish) {
  table::TablePublisher publisher;
  EXPECT_FALSE(RoutesJson(publisher).has_value());
  publisher.Publish(testing::CompileOrFail(testing::SampleConfig(), 9));
  std::optional<nlohmann::json> routes = RoutesJson(publisher);
  ASSERT_TRUE(routes.has_value());
  EXPECT_EQ((*routes)["generation"], 9);
  EXPECT_TRUE(routes->contains("config"));
  EXPECT_EQ(routes->dump().find(testing::KeyMaterial()), std::string::npos);
}

TEST(StatsJsonTest, NullSourcesGiveZeros) {
  nlohmann::json stats = StatsJson(nullptr, nullptr);
  EXPECT_EQ(stats["generation"], 0);
  EXPECT_EQ(stats["hosts"], 0);
  EXPECT_EQ(stats["routes"], 0);
  EXPECT_EQ(stats["endpoints"], 0);
  EXPECT_EQ(stats["requests"]["total"], 0);
  EXPECT_EQ(stats["requests"]["by_status_class"].size(), 5u);
  EXPECT_EQ(stats["connections"]["open"], 0);
  EXPECT_EQ(stats["upstream_errors"].size(), static_cast<size_t>(stats::UpstreamError::kCount));
}

TEST(StatsJsonTest, ReportsMemoryAsTheAllocatorCountsIt) {
  const nlohmann::json memory = StatsJson(nullptr, nullptr)["memory"];
  EXPECT_GT(memory.value("resident_bytes", 0u), 0u);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  EXPECT_FALSE(memory.contains("allocated_bytes"));
#else
  EXPECT_GT(memory.value("allocated_bytes", 0u), 0u);
  EXPECT_GE(memory.value("heap_bytes", 0u), memory.value("allocated_bytes", 0u));
  EXPECT_FALSE(memory["free_bytes"].empty());
#endif
}

TEST(StatsJsonTest, SumsEveryWorker) {
  stats::StatsRegistry registry(3);
  for (size_t i = 0; i < registry.size(); ++i) {
    registry.worker(i).RecordRequest(testing::kFooRoute, testing::kFooBackend, 101, 0.1);
    registry.worker(i).RecordRequest(testing::kFooRoute, testing::kFooBackend, 301, 0.1);
    registry.worker(i).RecordUpstreamError(stats::UpstreamError::kReset);
  }
  nlohmann::json stats = StatsJson(nullptr, &registry);
  EXPECT_EQ(stats["requests"]["total"], 6);
  EXPECT_EQ(stats["requests"]["by_status_class"]["1xx"], 3);
  EXPECT_EQ(stats["requests"]["by_status_class"]["3xx"], 3);
  EXPECT_EQ(stats["upstream_errors"]["reset"], 3);
}

// The counts by status class are summed a batch of routes at a time: more
// routes than a batch, on several workers, each counted once.
TEST(StatsJsonTest, CountsEveryRouteAcrossBatches) {
  stats::StatsRegistry registry(2);
  constexpr int kRoutes = 1000;
  for (int route = 0; route < kRoutes; ++route) {
    const std::string name = "httproute/ns/r" + std::to_string(route) + "/rule/0";
    registry.worker(route % 2).RecordRequest(name, "ns/svc:80", 200, 0.01);
    registry.worker((route + 1) % 2)
        .RecordRequest(name, "ns/svc:80", route % 3 == 0 ? 503 : 404, 0.01);
  }
  nlohmann::json stats = StatsJson(nullptr, &registry);
  EXPECT_EQ(stats["requests"]["total"], 2 * kRoutes);
  EXPECT_EQ(stats["requests"]["by_status_class"]["2xx"], kRoutes);
  EXPECT_EQ(stats["requests"]["by_status_class"]["4xx"], kRoutes - (kRoutes + 2) / 3);
  EXPECT_EQ(stats["requests"]["by_status_class"]["5xx"], (kRoutes + 2) / 3);
}

TEST(RemovePrivateKeysTest, RemovesKeysAtAnyDepthAndKeepsTheRest) {
  nlohmann::json document = {{"listeners",
                              {{{"port", 443},
                                {"certificates",
                                 {{{"hostnames", {"a.example.com"}},
                                   {"certificate_pem", "CERT"},
                                   {"private_key_pem", "KEY"}}}}}}},
                             {"private_key", "KEY"},
                             {"name", "private_key_pem"}};  // a value, not a member name: kept
  RemovePrivateKeys(document);
  EXPECT_EQ(
      document,
      (nlohmann::json{
          {"listeners",
           {{{"port", 443},
             {"certificates", {{{"hostnames", {"a.example.com"}}, {"certificate_pem", "CERT"}}}}}}},
          {"name", "private_key_pem"}}));
}

}  // namespace
}  // namespace atrium::admin
