// Several workers serve many parallel keep-alive connections while another
// thread re-publishes the route table continuously: every request must
// succeed, on the connection it started on, without a pause. Labelled
// `concurrency`: it also runs under ThreadSanitizer.

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/proxy/server/proxy_test_support.h"

namespace atrium::testing {
namespace {

#if defined(ATRIUM_TSAN)
constexpr int kClientThreads = 4;
constexpr int kConnectionsPerThread = 4;
constexpr int kRequestsPerConnection = 15;
#else
constexpr int kClientThreads = 8;
constexpr int kConnectionsPerThread = 8;
constexpr int kRequestsPerConnection = 40;
#endif

ir::RouteConfig VersionedConfig(int version, uint16_t port) {
  // Every version routes everything to the same upstream, under a different
  // route name and with a varying set of other routes, so each publish is a
  // real change of the table.
  std::vector<ir::Route> routes;
  for (int i = 0; i < version % 7; ++i) {
    routes.push_back(PrefixRoute("extra-" + std::to_string(i), "/extra/" + std::to_string(i),
                                 {MakeBackend("ns/extra:80", {port})}));
  }
  routes.push_back(
      PrefixRoute("main-" + std::to_string(version % 2), "/", {MakeBackend("ns/up:80", {port})}));
  return Config({Host("", routes)});
}

TEST(ProxyConcurrencyTest, RepublishingNeverDropsOrPausesConnections) {
  HttpUpstream upstream;
  upstream.server().Get(".*", [](const httplib::Request& request, httplib::Response& response) {
    response.set_content("ok " + request.path, "text/plain");
  });
  upstream.Start();

  auto options = TestOptions();
  options.workers = 4;
  ProxyHarness proxy(options);
  proxy.Publish(VersionedConfig(0, upstream.port()));
  const uint16_t port = proxy.port();
  ASSERT_NE(port, 0);

  std::atomic<bool> stop{false};
  std::atomic<int> publishes{0};
  std::thread writer([&] {
    for (int version = 1; !stop.load(); ++version) {
      proxy.Publish(VersionedConfig(version, upstream.port()));
      ++publishes;
      std::this_thread::sleep_for(std::chrono::microseconds(500));  // pacing, not synchronization
    }
  });

  std::atomic<int> succeeded{0};
  std::atomic<int> failed{0};
  std::atomic<int64_t> worst_us{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClientThreads; ++t) {
    clients.emplace_back([&, t] {
      std::vector<std::unique_ptr<RawClient>> connections;
      for (int c = 0; c < kConnectionsPerThread; ++c) {
        connections.push_back(std::make_unique<RawClient>(port));
      }
      for (int r = 0; r < kRequestsPerConnection; ++r) {
        for (int c = 0; c < kConnectionsPerThread; ++c) {
          std::string path =
              "/t" + std::to_string(t) + "/c" + std::to_string(c) + "/r" + std::to_string(r);
          auto start = std::chrono::steady_clock::now();
          bool ok = connections[c]->Send(Get(path));
          auto response = ok ? connections[c]->ReadResponse(20s) : std::nullopt;
          auto took = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
          int64_t seen = worst_us.load();
          while (took > seen && !worst_us.compare_exchange_weak(seen, took)) {
          }
          if (response && response->result_int() == 200 && response->body() == "ok " + path &&
              response->keep_alive()) {
            ++succeeded;
          } else {
            ++failed;
          }
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  stop = true;
  writer.join();

  const int total = kClientThreads * kConnectionsPerThread * kRequestsPerConnection;
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(succeeded.load(), total);
  EXPECT_GT(publishes.load(), 10);
  // No request waited on the control plane: far below any timeout.
  EXPECT_LT(worst_us.load(), 5'000'000);
  auto stats = proxy.stats().Sum();
  // Every request stayed on the connection it started on.
  EXPECT_EQ(stats.total_connections, static_cast<uint64_t>(kClientThreads * kConnectionsPerThread));
  EXPECT_EQ(stats.upstream_errors[static_cast<int>(stats::UpstreamError::kConnectFailed)], 0u);
}

}  // namespace
}  // namespace atrium::testing
