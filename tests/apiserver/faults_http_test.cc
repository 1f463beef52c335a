// Fault injection: failures for N requests or a while, Retry-After, path and
// watch filters, slow responses, and the admin endpoints that drive them.

#include <gtest/gtest.h>

#include "tests/apiserver/admin_server.h"
#include "tests/apiserver/api_server.h"
#include "tests/apiserver/api_test_client.h"

namespace atrium::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr const char* kRoutes = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes";
constexpr const char* kServices = "/api/v1/namespaces/default/services";

class FaultsHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(api_.Start()) << api_.error(); }

  // WaitForStatus repeats a GET until it answers want or the deadline passes.
  bool WaitForStatus(const std::string& path, int want, seconds timeout) {
    auto deadline = steady_clock::now() + timeout;
    while (steady_clock::now() < deadline) {
      if (client_.Get(path).status == want) return true;
    }
    return false;
  }

  ApiServer api_;
  ApiClient client_{api_};
};

TEST_F(FaultsHttpTest, FailsTheNextNRequests) {
  api_.FailRequests({.status = 500, .count = 2});
  HttpReply first = client_.Get(kRoutes);
  EXPECT_EQ(first.status, 500);
  EXPECT_EQ(first.body["reason"], "InternalError");
  EXPECT_EQ(client_.Get(kServices).status, 500);
  EXPECT_EQ(client_.Get(kRoutes).status, 200);
  EXPECT_EQ(api_.injected_failures(), 2u);
}

TEST_F(FaultsHttpTest, TooManyRequestsForAWhileWithRetryAfter) {
  api_.FailRequests({.status = 429, .duration = milliseconds(300), .retry_after_seconds = 2});
  HttpReply throttled = client_.Get(kRoutes);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.body["reason"], "TooManyRequests");
  EXPECT_EQ(throttled.body["details"]["retryAfterSeconds"], 2);
  EXPECT_EQ(httplib::get_header_value(throttled.headers, "Retry-After", 0, ""), std::string("2"));
  EXPECT_TRUE(WaitForStatus(kRoutes, 200, seconds(10))) << "the failure window ends by itself";
}

TEST_F(FaultsHttpTest, FiltersByPathAndByWatch) {
  api_.FailRequests({.status = 503, .path_contains = "/httproutes"});
  EXPECT_EQ(client_.Get(kRoutes).status, 503);
  EXPECT_EQ(client_.Get(kServices).status, 200);
  api_.ClearFaults();
  EXPECT_EQ(client_.Get(kRoutes).status, 200);

  api_.FailRequests({.status = 500, .watch = true});
  EXPECT_EQ(client_.Get(kRoutes).status, 200) << "a LIST is not a watch";
  WatchStream watch(api_, std::string(kRoutes) + "?watch=1");
  EXPECT_EQ(watch.status(), 500);
}

TEST_F(FaultsHttpTest, SlowResponses) {
  api_.SetResponseDelay(milliseconds(300));
  auto start = steady_clock::now();
  EXPECT_EQ(client_.Get(kRoutes).status, 200);
  EXPECT_GE(steady_clock::now() - start, milliseconds(300));
  api_.ClearFaults();
  start = steady_clock::now();
  EXPECT_EQ(client_.Get(kRoutes).status, 200);
  EXPECT_LT(steady_clock::now() - start, milliseconds(300));
}

TEST_F(FaultsHttpTest, StopCutsADelayShort) {
  api_.SetResponseDelay(seconds(60));
  std::thread caller([this] { client_.Get(kRoutes); });
  auto start = steady_clock::now();
  // Stop must not wait out the delay of a request in flight.
  ASSERT_TRUE(api_.Restart(RestartOptions{.compact = false}));
  caller.join();
  EXPECT_LT(steady_clock::now() - start, seconds(30));
}

TEST_F(FaultsHttpTest, RestartRefusesConnectionsDuringDowntime) {
  std::thread restarter([this] {
    EXPECT_TRUE(api_.Restart(RestartOptions{.compact = true, .downtime = milliseconds(500)}));
  });
  // While down, connections fail (status 0); afterwards it answers again.
  bool saw_down = false;
  auto deadline = steady_clock::now() + seconds(10);
  ApiClient probe(api_);
  while (steady_clock::now() < deadline && !saw_down) {
    saw_down = probe.Get("/version").status == 0;
  }
  restarter.join();
  EXPECT_TRUE(saw_down);
  EXPECT_EQ(ApiClient(api_).Get(kRoutes).status, 200);
}

TEST_F(FaultsHttpTest, RequestCountsByVerbAndResource) {
  client_.Get(kRoutes);
  client_.Get(kRoutes);
  client_.Post(kServices, {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "s"}}}});
  client_.Put(std::string(kServices) + "/s/status", {{"metadata", {{"name", "s"}}}});
  EXPECT_EQ(api_.RequestCount("list", "gateway.networking.k8s.io/httproutes"), 2u);
  EXPECT_EQ(api_.RequestCount("create", "/services"), 1u);
  EXPECT_EQ(api_.RequestCount("update", "/services/status"), 1u);
  api_.ResetRequestCounts();
  EXPECT_EQ(api_.RequestCount("list", "gateway.networking.k8s.io/httproutes"), 0u);
}

TEST(AdminServerTest, DrivesFaultsOverHttp) {
  ApiServer api;
  ASSERT_TRUE(api.Start()) << api.error();
  AdminServer admin(&api);
  std::string error;
  ASSERT_TRUE(admin.Start("127.0.0.1", 0, &error)) << error;
  httplib::Client control("http://127.0.0.1:" + std::to_string(admin.port()));
  ApiClient client(api);
  auto post = [&](const std::string& path) {
    httplib::Result result = control.Post(path, "", "text/plain");
    return result ? result->status : 0;
  };

  EXPECT_EQ(post("/fault/fail?status=503&count=1"), 200);
  EXPECT_EQ(client.Get(kRoutes).status, 503);
  EXPECT_EQ(client.Get(kRoutes).status, 200);
  EXPECT_EQ(post("/fault/fail?status=abc"), 400);

  {
    WatchStream watch(api, std::string(kRoutes) + "?watch=1");
    ASSERT_TRUE(api.WaitForOpenWatches(1, seconds(10)));
    EXPECT_EQ(post("/fault/drop-watches"), 200);
    EXPECT_TRUE(watch.WaitEnded(seconds(10)));
  }

  int64_t before = api.resource_version();
  EXPECT_EQ(post("/fault/compact"), 200);
  EXPECT_GT(api.resource_version(), before);
  EXPECT_EQ(post("/fault/restart?compact=false"), 200);
  EXPECT_EQ(client.Get(kRoutes).status, 200);

  EXPECT_EQ(post("/gateway-api/uninstall"), 200);
  EXPECT_EQ(client.Get(kRoutes).status, 404);
  EXPECT_EQ(post("/gateway-api/install"), 200);
  EXPECT_EQ(client.Get(kRoutes).status, 200);

  EXPECT_EQ(post("/fault/delay?ms=1"), 200);
  EXPECT_EQ(post("/fault/clear"), 200);

  httplib::Result stats = control.Get("/stats");
  ASSERT_TRUE(stats);
  json body = json::parse(stats->body);
  EXPECT_GE(body["requests"]["list gateway.networking.k8s.io/httproutes"].get<int>(), 3);
  EXPECT_EQ(body["injectedFailures"], 1);

  EXPECT_EQ(post("/token?value=next"), 200);
  EXPECT_EQ(client.Get(kRoutes).status, 401);
  EXPECT_EQ(ApiClient(api, "next").Get(kRoutes).status, 200);
}

}  // namespace
}  // namespace atrium::testing
