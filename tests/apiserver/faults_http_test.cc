// Fault injection: failures for N requests or a while, Retry-After, path and
// watch filters, slow responses, and the admin endpoints that drive them.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

// CanConnect tells whether a TCP connection to 127.0.0.1:port is accepted.
bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

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
  api_.FailRequests(FailureRule::NextRequests(2, 500));
  HttpReply first = client_.Get(kRoutes);
  EXPECT_EQ(first.status, 500);
  EXPECT_EQ(first.body["reason"], "InternalError");
  EXPECT_EQ(client_.Get(kServices).status, 500);
  EXPECT_EQ(client_.Get(kRoutes).status, 200);
  EXPECT_EQ(api_.injected_failures(), 2u);
}

TEST_F(FaultsHttpTest, TooManyRequestsForAWhileWithRetryAfter) {
  FailureRule throttle = FailureRule::For(milliseconds(300), 429);
  throttle.retry_after_seconds = 2;
  api_.FailRequests(throttle);
  HttpReply throttled = client_.Get(kRoutes);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.body["reason"], "TooManyRequests");
  EXPECT_EQ(throttled.body["details"]["retryAfterSeconds"], 2);
  auto retry_after = throttled.headers.find("Retry-After");
  ASSERT_NE(retry_after, throttled.headers.end());
  EXPECT_EQ(retry_after->second, "2");
  EXPECT_TRUE(WaitForStatus(kRoutes, 200, seconds(10))) << "the failure window ends by itself";
}

TEST_F(FaultsHttpTest, FiltersByPathAndByWatch) {
  FailureRule routes_only;
  routes_only.status = 503;
  routes_only.path_contains = "/httproutes";
  api_.FailRequests(routes_only);
  EXPECT_EQ(client_.Get(kRoutes).status, 503);
  EXPECT_EQ(client_.Get(kServices).status, 200);
  api_.ClearFaults();
  EXPECT_EQ(client_.Get(kRoutes).status, 200);

  FailureRule watches_only;
  watches_only.watch = true;
  api_.FailRequests(watches_only);
  EXPECT_EQ(client_.Get(kRoutes).status, 200) << "a LIST is not a watch";
  WatchStream watch(api_, std::string(kRoutes) + "?watch=1");
  EXPECT_EQ(watch.status(), 500);
}

TEST_F(FaultsHttpTest, SlowResponses) {
  // The first request pays for the TLS handshake; time the ones after it.
  EXPECT_EQ(client_.Get(kRoutes).status, 200);
  api_.SetResponseDelay(seconds(2));
  auto start = steady_clock::now();
  EXPECT_EQ(client_.Get(kRoutes).status, 200);
  EXPECT_GE(steady_clock::now() - start, seconds(2));
  api_.ClearFaults();
  start = steady_clock::now();
  EXPECT_EQ(client_.Get(kRoutes).status, 200);
  EXPECT_LT(steady_clock::now() - start, seconds(2));
}

TEST_F(FaultsHttpTest, StopCutsADelayShort) {
  api_.SetResponseDelay(seconds(60));
  int status = -1;
  std::thread caller([this, &status] { status = client_.Get(kRoutes).status; });
  auto deadline = steady_clock::now() + seconds(30);
  while (api_.delayed_requests() == 0 && steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(api_.delayed_requests(), 1u) << "the request never arrived";
  auto start = steady_clock::now();
  // Stop must not wait out the delay of a request in flight.
  RestartOptions keep_history;
  keep_history.compact = false;
  ASSERT_TRUE(api_.Restart(keep_history));
  caller.join();
  EXPECT_LT(steady_clock::now() - start, seconds(30));
  EXPECT_EQ(status, 200) << "the request was served at once, not cut";
}

TEST_F(FaultsHttpTest, RestartRefusesConnectionsDuringDowntime) {
  std::thread restarter([this] {
    RestartOptions slow;
    slow.downtime = milliseconds(1000);
    EXPECT_TRUE(api_.Restart(slow));
  });
  // While down, connections fail (status 0); afterwards it answers again.
  bool saw_down = false;
  auto deadline = steady_clock::now() + seconds(30);
  while (steady_clock::now() < deadline && !saw_down) {
    saw_down = !CanConnect(api_.port());
    // Pace the probes: each accepted one is a connection the stopping
    // server must finish before it can go down.
    if (!saw_down) std::this_thread::sleep_for(milliseconds(10));
  }
  restarter.join();
  EXPECT_TRUE(saw_down);
  EXPECT_EQ(ApiClient(api_).Get(kRoutes).status, 200);
}

TEST_F(FaultsHttpTest, RequestCountsByVerbAndResource) {
  client_.Get(kRoutes);
  client_.Get(kRoutes);
  client_.Post(kServices,
               {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "s"}}}});
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
  ApiClient after_restart(api);  // the restart cut the old connection
  EXPECT_EQ(after_restart.Get(kRoutes).status, 200);

  EXPECT_EQ(post("/gateway-api/uninstall"), 200);
  EXPECT_EQ(after_restart.Get(kRoutes).status, 404);
  EXPECT_EQ(post("/gateway-api/install"), 200);
  EXPECT_EQ(after_restart.Get(kRoutes).status, 200);

  EXPECT_EQ(post("/fault/delay?ms=1"), 200);
  EXPECT_EQ(post("/fault/clear"), 200);

  httplib::Result stats = control.Get("/stats");
  ASSERT_TRUE(stats);
  json body = json::parse(stats->body);
  EXPECT_GE(body["requests"]["list gateway.networking.k8s.io/httproutes"].get<int>(), 3);
  EXPECT_EQ(body["injectedFailures"], 1);

  EXPECT_EQ(post("/token?value=next"), 200);
  EXPECT_EQ(after_restart.Get(kRoutes).status, 401);
  EXPECT_EQ(ApiClient(api, "next").Get(kRoutes).status, 200);
}

}  // namespace
}  // namespace atrium::testing
