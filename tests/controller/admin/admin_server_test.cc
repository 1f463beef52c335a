// AdminServer end to end: a real server on 127.0.0.1, port 0, over a
// TablePublisher holding a compiled table and a StatsRegistry with recorded
// requests. Each endpoint's status code and content is checked.

#include "controller/admin/admin_server.h"

#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>
#include <nlohmann/json.hpp>

#include "controller/admin/admin_json.h"
#include "controller/admin/control_plane_metrics.h"
#include "controller/admin/metrics_text.h"
#include "controller/ir/route_config.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/table_publisher.h"
#include "tests/controller/admin/admin_test_util.h"

namespace atrium::admin {
namespace {

using testing::Get;
using ::testing::HasSubstr;
using testing::kBarBackend;
using testing::kBarRoute;
using testing::KeyMaterial;
using testing::kFooBackend;
using testing::kFooRoute;
using ::testing::Not;
using testing::Reply;
using ::testing::StartsWith;

class AdminServerTest : public ::testing::Test {
 protected:
  AdminServerTest() : stats_(2) {}

  // StartServer starts an admin server over the fixture's sources.
  uint16_t StartServer(AdminSources sources) {
    server_ = std::make_unique<AdminServer>(std::move(sources));
    StartResult started = server_->Start("127.0.0.1", 0);
    EXPECT_TRUE(started.ok()) << started.error;
    EXPECT_NE(started.port, 0);
    return started.port;
  }

  AdminSources Sources() {
    AdminSources sources;
    sources.publisher = &publisher_;
    sources.stats = &stats_;
    return sources;
  }

  void PublishSample(uint64_t generation) {
    publisher_.Publish(testing::CompileOrFail(testing::SampleConfig(), generation));
  }

  // RecordSampleTraffic: two workers answer 3 foo requests with 200, one
  // with 503, and one unmatched request with 404; one connection stays open.
  void RecordSampleTraffic() {
    stats_.worker(0).RecordRequest(kFooRoute, kFooBackend, 200, 0.002);
    stats_.worker(0).RecordRequest(kFooRoute, kFooBackend, 204, 0.02);
    stats_.worker(1).RecordRequest(kFooRoute, kFooBackend, 200, 0.2);
    stats_.worker(1).RecordRequest(kBarRoute, kBarBackend, 503, 1.5);
    stats_.worker(1).RecordRequest("", "", 404, 0.0001);
    stats_.worker(0).ConnectionOpened();
    stats_.worker(0).ConnectionOpened();
    stats_.worker(1).ConnectionOpened();
    stats_.worker(0).ConnectionClosed();
    stats_.worker(0).ConnectionClosed();
    stats_.worker(1).RecordUpstreamError(stats::UpstreamError::kConnectFailed);
  }

  // Destroyed in reverse order: the server stops before its sources go.
  table::TablePublisher publisher_;
  stats::StatsRegistry stats_;
  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminServerTest, HealthzIsOkEvenWithoutATable) {
  uint16_t port = StartServer(Sources());
  Reply reply = Get(port, "/healthz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok\n");
}

TEST_F(AdminServerTest, ReadyzWaitsForTheFirstPublish) {
  uint16_t port = StartServer(Sources());
  Reply before = Get(port, "/readyz");
  EXPECT_EQ(before.status, 503);
  EXPECT_THAT(before.body, HasSubstr("no route table published"));

  PublishSample(1);
  Reply after = Get(port, "/readyz");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "ok\n");
}

TEST_F(AdminServerTest, ReadyzAlsoAsksTheReadyCallback) {
  auto synced = std::make_shared<std::atomic<bool>>(false);
  AdminSources sources = Sources();
  sources.ready = [synced] { return synced->load(); };
  uint16_t port = StartServer(std::move(sources));
  PublishSample(1);
  EXPECT_EQ(Get(port, "/readyz").status, 503);
  synced->store(true);
  EXPECT_EQ(Get(port, "/readyz").status, 200);
}

TEST_F(AdminServerTest, ReadyzIsNeverReadyWithoutAPublisher) {
  uint16_t port = StartServer(AdminSources{});
  EXPECT_EQ(Get(port, "/readyz").status, 503);
}

TEST_F(AdminServerTest, MetricsServesTheTextFormatWithDataAndControlPlaneSeries) {
  auto registry = std::make_shared<prometheus::Registry>();
  ControlPlaneMetrics control_plane(registry);
  control_plane.RecordConfigErrors(ConfigErrorKind::kManifest, 2);
  AdminSources sources = Sources();
  sources.control_plane_metrics = registry;
  uint16_t port = StartServer(std::move(sources));
  PublishSample(7);
  control_plane.RecordPublish(7, std::chrono::system_clock::time_point(std::chrono::seconds(1000)));
  RecordSampleTraffic();

  Reply reply = Get(port, "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.content_type, StartsWith("text/plain; version=0.0.4"));
  const std::string& body = reply.body;
  EXPECT_THAT(body, HasSubstr("# TYPE atrium_requests_total counter\n"));
  EXPECT_THAT(body, HasSubstr("atrium_requests_total{route=\"httproute/default/foo/rule/0\","
                              "backend=\"default/foo:80\",status_class=\"2xx\"} 3\n"));
  EXPECT_THAT(body, HasSubstr("atrium_requests_total{route=\"ingress/default/bar/0\","
                              "backend=\"default/bar:8080\",status_class=\"5xx\"} 1\n"));
  EXPECT_THAT(body, HasSubstr("atrium_requests_total{route=\"\",backend=\"\","
                              "status_class=\"4xx\"} 1\n"));
  EXPECT_THAT(body, HasSubstr("# TYPE atrium_request_duration_seconds histogram\n"));
  EXPECT_THAT(body, HasSubstr("atrium_request_duration_seconds_count{route=\"httproute/default/"
                              "foo/rule/0\"} 3\n"));
  EXPECT_THAT(body, HasSubstr("atrium_request_duration_seconds_bucket{route=\"httproute/default/"
                              "foo/rule/0\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(body, HasSubstr("atrium_upstream_errors_total{kind=\"connect_failed\"} 1\n"));
  EXPECT_THAT(body, HasSubstr("atrium_upstream_errors_total{kind=\"reset\"} 0\n"));
  EXPECT_THAT(body, HasSubstr("atrium_open_connections 1\n"));
  EXPECT_THAT(body, HasSubstr("atrium_connections_total 3\n"));
  EXPECT_THAT(body, HasSubstr("atrium_route_table_generation 7\n"));
  EXPECT_THAT(body, HasSubstr("atrium_route_table_last_publish_timestamp_seconds 1000\n"));
  EXPECT_THAT(body, HasSubstr("atrium_config_errors_total{kind=\"manifest\"} 2\n"));
  EXPECT_THAT(body, HasSubstr("atrium_translate_duration_seconds_count 0\n"));
}

// At thousands of routes /metrics is megabytes: it is streamed in chunks as
// it is serialized, and the scraper still reads exactly the document.
TEST_F(AdminServerTest, MetricsIsStreamedChunkedAndIsTheWholeDocument) {
  for (int i = 0; i < 2000; ++i) {
    stats_.worker(i % 2).RecordRequest("httproute/ns/route-" + std::to_string(i), "ns/svc:80", 200,
                                       0.001);
  }
  uint16_t port = StartServer(Sources());
  PublishSample(3);
  httplib::Client client("127.0.0.1", port);
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Transfer-Encoding"), "chunked");
  EXPECT_THAT(result->get_header_value("Content-Type"), StartsWith("text/plain; version=0.0.4"));
  EXPECT_GT(result->body.size(), 256U * 1024U);  // several chunks
  EXPECT_EQ(result->body, RenderMetrics(Sources()));
}

TEST_F(AdminServerTest, MetricsTakesTheGenerationFromThePublisherWithoutARegistry) {
  uint16_t port = StartServer(Sources());
  PublishSample(4);
  EXPECT_THAT(Get(port, "/metrics").body, HasSubstr("atrium_route_table_generation 4\n"));
}

TEST_F(AdminServerTest, AdminRoutesServesTheLiveConfigAsJson) {
  uint16_t port = StartServer(Sources());
  Reply before = Get(port, "/admin/routes");
  EXPECT_EQ(before.status, 503);
  EXPECT_EQ(before.content_type, "application/json");

  PublishSample(1);
  Reply first = Get(port, "/admin/routes");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.content_type, "application/json");
  nlohmann::json routes = nlohmann::json::parse(first.body);
  EXPECT_EQ(routes["generation"], 1);
  nlohmann::json expected = ir::ToJson(testing::SampleConfig());
  RemovePrivateKeys(expected);
  EXPECT_EQ(routes["config"], expected);

  ir::RouteConfig smaller = testing::SampleConfig();
  smaller.listeners.pop_back();
  publisher_.Publish(testing::CompileOrFail(smaller, 2));
  nlohmann::json second = nlohmann::json::parse(Get(port, "/admin/routes").body);
  EXPECT_EQ(second["generation"], 2);
  EXPECT_EQ(second["config"], ir::ToJson(smaller));
}

TEST_F(AdminServerTest, NoEndpointEverShowsAPrivateKey) {
  AdminSources sources = Sources();
  // Even a status callback that carries a key (it should not) is scrubbed.
  sources.status = [] {
    return nlohmann::json{{"secrets", {{{"name", "tls"}, {"private_key_pem", KeyMaterial()}}}}};
  };
  uint16_t port = StartServer(std::move(sources));
  PublishSample(1);
  for (const char* path : {"/admin/routes", "/admin/stats", "/admin/status", "/metrics"}) {
    Reply reply = Get(port, path);
    EXPECT_EQ(reply.status, 200) << path;
    EXPECT_THAT(reply.body, Not(HasSubstr(KeyMaterial()))) << path;
    EXPECT_THAT(reply.body, Not(HasSubstr("PRIVATE KEY"))) << path;
  }
}

TEST_F(AdminServerTest, AdminStatsReportsTheTableAndSummedCounters) {
  uint16_t port = StartServer(Sources());
  nlohmann::json empty = nlohmann::json::parse(Get(port, "/admin/stats").body);
  EXPECT_EQ(empty["generation"], 0);
  EXPECT_EQ(empty["routes"], 0);

  PublishSample(3);
  RecordSampleTraffic();
  Reply reply = Get(port, "/admin/stats");
  ASSERT_EQ(reply.status, 200);
  nlohmann::json stats = nlohmann::json::parse(reply.body);
  EXPECT_EQ(stats["generation"], 3);
  EXPECT_EQ(stats["hosts"], 3);
  EXPECT_EQ(stats["routes"], 3);
  EXPECT_EQ(stats["endpoints"], 4);
  EXPECT_EQ(stats["requests"]["total"], 5);
  EXPECT_EQ(stats["requests"]["by_status_class"],
            (nlohmann::json{{"1xx", 0}, {"2xx", 3}, {"3xx", 0}, {"4xx", 1}, {"5xx", 1}}));
  EXPECT_EQ(stats["connections"]["open"], 1);
  EXPECT_EQ(stats["connections"]["total"], 3);
  EXPECT_EQ(stats["upstream_errors"]["connect_failed"], 1);
  EXPECT_EQ(stats["upstream_errors"]["reset"], 0);
}

TEST_F(AdminServerTest, AdminStatusServesWhatTheControlPlaneComputed) {
  const nlohmann::json status = {
      {"statuses",
       {{{"kind", "HTTPRoute"},
         {"namespace", "default"},
         {"name", "foo"},
         {"status",
          {{"parents",
            {{{"parentRef", {{"name", "gw"}}},
              {"controllerName", "atrium.dev/gateway-controller"},
              {"conditions",
               {{{"type", "Accepted"},
                 {"status", "False"},
                 {"reason", "NotAllowedByListeners"}}}}}}}}}}}},
      {"problems",
       {{{"kind", "File"}, {"name", "broken.yaml"}, {"reason", "line 3: bad indentation"}}}}};
  AdminSources sources = Sources();
  sources.status = [status] { return status; };
  uint16_t port = StartServer(std::move(sources));
  Reply reply = Get(port, "/admin/status");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(reply.body), status);
}

TEST_F(AdminServerTest, AdminStatusIs503WithoutACallback) {
  uint16_t port = StartServer(Sources());
  EXPECT_EQ(Get(port, "/admin/status").status, 503);
}

TEST_F(AdminServerTest, AThrowingCallbackIsA500AndTheServerKeepsServing) {
  AdminSources sources = Sources();
  sources.status = []() -> nlohmann::json { throw std::runtime_error("status unavailable"); };
  uint16_t port = StartServer(std::move(sources));
  Reply reply = Get(port, "/admin/status");
  EXPECT_EQ(reply.status, 500);
  EXPECT_THAT(reply.body, HasSubstr("status unavailable"));
  EXPECT_EQ(Get(port, "/healthz").status, 200);
}

TEST_F(AdminServerTest, UnknownPathsAre404) {
  uint16_t port = StartServer(Sources());
  EXPECT_EQ(Get(port, "/admin").status, 404);
  EXPECT_EQ(Get(port, "/metrics/extra").status, 404);
}

TEST_F(AdminServerTest, HeadAnswersWithoutABody) {
  uint16_t port = StartServer(Sources());
  httplib::Client client("127.0.0.1", port);
  httplib::Result result = client.Head("/healthz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(result->body.empty());
}

// The route cache is gone for good: no metric and no /admin field may bring
// the word back.
TEST_F(AdminServerTest, NothingMentionsACache) {
  auto registry = std::make_shared<prometheus::Registry>();
  ControlPlaneMetrics control_plane(registry);
  AdminSources sources = Sources();
  sources.control_plane_metrics = registry;
  uint16_t port = StartServer(std::move(sources));
  PublishSample(1);
  RecordSampleTraffic();

  std::string metrics = Get(port, "/metrics").body;
  int names = 0;
  for (size_t start = 0; start < metrics.size();) {
    size_t end = metrics.find('\n', start);
    std::string line = metrics.substr(start, end - start);
    start = end + 1;
    if (line.rfind("# TYPE ", 0) != 0) continue;
    ++names;
    EXPECT_THAT(line, Not(HasSubstr("cache"))) << line;
  }
  EXPECT_GE(names, 13);  // 5 data-plane + 8 control-plane families

  // Every key at every depth of the /admin JSON documents.
  std::function<void(const nlohmann::json&, const std::string&)> check_keys =
      [&](const nlohmann::json& document, const std::string& where) {
        if (document.is_object()) {
          for (const auto& [key, value] : document.items()) {
            EXPECT_THAT(key, Not(HasSubstr("cache"))) << where;
            check_keys(value, where + "." + key);
          }
        } else if (document.is_array()) {
          for (const auto& element : document) check_keys(element, where);
        }
      };
  nlohmann::json stats = nlohmann::json::parse(Get(port, "/admin/stats").body);
  EXPECT_FALSE(stats.empty());
  check_keys(stats, "/admin/stats");
  check_keys(nlohmann::json::parse(Get(port, "/admin/routes").body), "/admin/routes");
}

TEST(AdminServerLifecycleTest, StartFailsWhenThePortIsTaken) {
  AdminServer first(AdminSources{});
  StartResult taken = first.Start("127.0.0.1", 0);
  ASSERT_TRUE(taken.ok()) << taken.error;
  AdminServer second(AdminSources{});
  StartResult result = second.Start("127.0.0.1", taken.port);
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.error, HasSubstr(std::to_string(taken.port)));
  second.Stop();  // harmless after a failed Start
}

TEST(AdminServerLifecycleTest, StartTwiceIsAnError) {
  AdminServer server(AdminSources{});
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  EXPECT_FALSE(server.Start("127.0.0.1", 0).ok());
}

TEST(AdminServerLifecycleTest, StopClosesTheSocketAndIsIdempotent) {
  AdminServer never_started(AdminSources{});
  never_started.Stop();

  AdminServer server(AdminSources{});
  StartResult started = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(started.ok()) << started.error;
  EXPECT_EQ(Get(started.port, "/healthz").status, 200);
  server.Stop();
  server.Stop();
  httplib::Client client("127.0.0.1", started.port);
  client.set_connection_timeout(2, 0);
  EXPECT_FALSE(client.Get("/healthz"));
}

// Stop right after Start must not hang even if the accept loop has not
// started yet (httplib ignores stop() until then).
TEST(AdminServerLifecycleTest, StopRightAfterStartReturns) {
  for (int i = 0; i < 20; ++i) {
    AdminServer server(AdminSources{});
    ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
    server.Stop();
  }
}

}  // namespace
}  // namespace atrium::admin
