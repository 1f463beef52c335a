// The admin server reads the live table from cpp-httplib's threads while the
// reconciler publishes and workers count requests. Every document must
// describe one whole table (its generation and its contents agree), and the
// run must be clean under ThreadSanitizer (label "concurrency").

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controller/admin/admin_server.h"
#include "controller/ir/route_config.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/table_publisher.h"
#include "tests/controller/admin/admin_test_util.h"

namespace atrium::admin {
namespace {

// ConfigFor gives generation g (g % 4) + 1 routes on one host, each with its
// own one-endpoint backend: routes == endpoints == (g % 4) + 1.
ir::RouteConfig ConfigFor(uint64_t generation) {
  ir::VirtualHost host;
  host.kind = ir::HostnameKind::kExact;
  host.hostname = "gen.example.com";
  for (uint64_t i = 0; i <= generation % 4; ++i) {
    std::string name = "route-" + std::to_string(generation) + "-" + std::to_string(i);
    host.routes.push_back(
        testing::MakeRoute(name, "/r" + std::to_string(i),
                           testing::MakeBackend("default/" + name + ":80",
                                                {{"10.1." + std::to_string(i) + ".1", 80}})));
  }
  ir::Listener listener;
  listener.port = 80;
  listener.bind_port = 8080;
  listener.virtual_hosts = {host};
  ir::RouteConfig config;
  config.listeners = {listener};
  return config;
}

TEST(AdminConcurrencyTest, ScrapesSeeWholeTablesWhilePublishing) {
  constexpr int kMinScrapesPerClient = 40;
  constexpr uint64_t kMinPublishes = 300;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);

  table::TablePublisher publisher;
  stats::StatsRegistry stats(2);
  AdminSources sources;
  sources.publisher = &publisher;
  sources.stats = &stats;
  AdminServer server(sources);
  StartResult started = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(started.ok()) << started.error;

  std::atomic<bool> stop{false};
  std::atomic<int> clients_done{0};

  std::vector<std::thread> workers;
  for (size_t w = 0; w < stats.size(); ++w) {
    workers.emplace_back([&stats, &stop, w] {
      stats::WorkerStats& mine = stats.worker(w);
      while (!stop.load(std::memory_order_relaxed)) {
        mine.ConnectionOpened();
        mine.RecordRequest("route-0-0", "default/route-0-0:80", 200, 0.001);
        mine.ConnectionClosed();
      }
    });
  }

  std::thread writer([&] {
    uint64_t generation = 0;
    while (std::chrono::steady_clock::now() < deadline &&
           (generation < kMinPublishes || clients_done.load() < 2)) {
      ++generation;
      publisher.Publish(table::RouteTable::Compile(ConfigFor(generation), generation));
    }
    stop.store(true);
  });

  std::vector<std::string> failures[2];
  int scrapes[2] = {0, 0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 2; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", started.port);
      client.set_read_timeout(10, 0);
      uint64_t last_generation = 0;
      uint64_t last_total = 0;
      while (!stop.load()) {
        auto stats_reply = client.Get("/admin/stats");
        auto routes_reply = client.Get("/admin/routes");
        auto metrics_reply = client.Get("/metrics");
        if (!stats_reply || !routes_reply || !metrics_reply) {
          failures[c].push_back("request failed");
          break;
        }
        if (stats_reply->status != 200 || metrics_reply->status != 200) {
          failures[c].push_back("bad status");
          break;
        }
        nlohmann::json s = nlohmann::json::parse(stats_reply->body);
        uint64_t generation = s["generation"];
        if (generation != 0) {
          uint64_t expected = generation % 4 + 1;
          if (s["routes"] != expected || s["endpoints"] != expected || s["hosts"] != 1) {
            failures[c].push_back("torn /admin/stats: " + stats_reply->body);
          }
        }
        if (generation < last_generation) failures[c].push_back("generation went back");
        last_generation = generation;
        uint64_t total = s["requests"]["total"];
        if (total < last_total) failures[c].push_back("request total went back");
        last_total = total;
        if (routes_reply->status == 200) {
          nlohmann::json r = nlohmann::json::parse(routes_reply->body);
          uint64_t routes_generation = r["generation"];
          if (r["config"] != ir::ToJson(ConfigFor(routes_generation))) {
            failures[c].push_back("torn /admin/routes at " + std::to_string(routes_generation));
          }
        }
        if (++scrapes[c] == kMinScrapesPerClient) clients_done.fetch_add(1);
      }
    });
  }

  writer.join();
  for (auto& client : clients) client.join();
  for (auto& worker : workers) worker.join();
  server.Stop();

  for (int c = 0; c < 2; ++c) {
    EXPECT_TRUE(failures[c].empty()) << failures[c].front();
    EXPECT_GE(scrapes[c], kMinScrapesPerClient) << "deadline reached first";
  }
  EXPECT_GE(publisher.generation(), kMinPublishes);
}

}  // namespace
}  // namespace atrium::admin
