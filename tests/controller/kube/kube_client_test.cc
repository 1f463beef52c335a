// KubeClient against the in-process test API server (and, for dead
// connections, a loopback socket that accepts and never answers).
#include "controller/kube/kube_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "controller/kube/kube_config.h"
#include "tests/apiserver/api_server.h"

namespace atrium::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

KubeConfig ConfigFor(const testing::ApiServer& api) {
  KubeConfig config;
  config.server = api.url();
  config.token = api.token();
  config.ca_pem = api.ca_pem();  // "" for plain HTTP
  return config;
}

// SilentServer accepts TCP connections on 127.0.0.1 and never writes a
// byte: a peer that went away without closing, as far as the client can
// tell.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(fd_, 8) != 0) {
      return;
    }
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        pollfd poll_fd{fd_, POLLIN, 0};
        if (::poll(&poll_fd, 1, 50) > 0) {
          int client = ::accept(fd_, nullptr, nullptr);
          if (client >= 0) clients_.push_back(client);
        }
      }
    });
  }
  ~SilentServer() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    for (int client : clients_) ::close(client);
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<int> clients_;  // accept thread only, then the destructor
  std::thread thread_;
};

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(api_.Start()) << api_.error(); }
  testing::ApiServer api_;
};

TEST_F(KubeClientTest, CreateGetUpdatePatchDelete) {
  KubeClient client(ConfigFor(api_));
  const std::string services = "/api/v1/namespaces/default/services";
  nlohmann::json service = {{"apiVersion", "v1"},
                            {"kind", "Service"},
                            {"metadata", {{"name", "web"}}},
                            {"spec", {{"ports", {{{"port", 80}}}}}}};
  HttpResponse created = client.Post(services, service.dump());
  ASSERT_EQ(created.status, 201) << created.body;

  HttpResponse got = client.Get(services + "/web");
  ASSERT_EQ(got.status, 200);
  nlohmann::json object = got.Json();
  EXPECT_EQ(object["metadata"]["name"], "web");

  object["metadata"]["labels"] = {{"tier", "front"}};
  HttpResponse updated = client.Put(services + "/web", object.dump());
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["metadata"]["labels"]["tier"], "front");

  // A stale resourceVersion is a conflict, described from the Status.
  HttpResponse stale = client.Put(services + "/web", object.dump());
  EXPECT_EQ(stale.status, 409);
  EXPECT_NE(stale.Describe().find("HTTP 409"), std::string::npos);

  HttpResponse patched =
      client.Patch(services + "/web", R"({"metadata":{"labels":{"tier":"back"}}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["metadata"]["labels"]["tier"], "back");

  HttpResponse deleted = client.Delete(services + "/web");
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(client.Get(services + "/web").status, 404);
}

// The client sends through an upload buffer of 16 kB (kube_client.cc): a
// body many times that size (a route's status with many parents, a large
// annotation) goes out over TLS in several writes and arrives whole.
TEST_F(KubeClientTest, BodiesLargerThanTheUploadBufferArriveWhole) {
  KubeClient client(ConfigFor(api_));
  ASSERT_FALSE(api_.ca_pem().empty()) << "the default test server speaks TLS";
  std::string large(size_t{200} * 1024, 'x');
  for (size_t i = 0; i < large.size(); i += 4096) large[i] = static_cast<char>('a' + i / 4096 % 26);
  const std::string services = "/api/v1/namespaces/default/services";
  nlohmann::json service = {{"apiVersion", "v1"},
                            {"kind", "Service"},
                            {"metadata", {{"name", "big"}, {"annotations", {{"note", large}}}}},
                            {"spec", {{"ports", {{{"port", 80}}}}}}};
  HttpResponse created = client.Post(services, service.dump());
  ASSERT_EQ(created.status, 201) << created.Describe();
  EXPECT_EQ(client.Get(services + "/big").Json()["metadata"]["annotations"]["note"], large);

  std::reverse(large.begin(), large.end());
  nlohmann::json object = created.Json();
  object["metadata"]["annotations"]["note"] = large;
  HttpResponse updated = client.Put(services + "/big", object.dump());
  ASSERT_EQ(updated.status, 200) << updated.Describe();
  EXPECT_EQ(client.Get(services + "/big").Json()["metadata"]["annotations"]["note"], large);
}

TEST_F(KubeClientTest, ReusesOneConnectionForSequentialRequests) {
  KubeClient client(ConfigFor(api_));
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(client.Get("/api/v1/namespaces").status, 200);
  }
  EXPECT_EQ(client.connections_opened(), 1u);
}

// Requests on a reused connection answer at once: the server's sockets set
// TCP_NODELAY, so a response's last small segment is not held back by
// Nagle's algorithm until the client's delayed ACK (40 ms or more each).
TEST_F(KubeClientTest, KeepAliveRequestsAreNotHeldBackByNagle) {
  KubeClient client(ConfigFor(api_));
  const std::string services = "/api/v1/namespaces/default/services";
  nlohmann::json service = {{"apiVersion", "v1"},
                            {"kind", "Service"},
                            {"metadata", {{"name", "web"}}},
                            {"spec", {{"ports", {{{"port", 80}}}}}}};
  ASSERT_EQ(client.Post(services, service.dump()).status, 201);
  std::vector<double> latencies_ms;
  for (int i = 0; i < 21; ++i) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(client
                  .Patch(services + "/web",
                         R"({"metadata":{"labels":{"n":")" + std::to_string(i) + R"("}}})")
                  .status,
              200);
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  // With Nagle every request stalls for the delayed ACK (40 ms at least on
  // Linux), so even the fastest would be slow; without it the fastest is a
  // few milliseconds even in a sanitizer build on a busy machine.
  std::sort(latencies_ms.begin(), latencies_ms.end());
  EXPECT_LT(latencies_ms.front(), 35.0)
      << "fastest request in ms; median " << latencies_ms[latencies_ms.size() / 2];
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST_F(KubeClientTest, ConcurrentCallersEachGetAConnection) {
  KubeClient client(ConfigFor(api_));
  std::vector<std::future<long>> calls;
  calls.reserve(4);
  for (int i = 0; i < 4; ++i) {
    calls.push_back(std::async(std::launch::async, [&client] {
      long last = 0;
      for (int j = 0; j < 10; ++j) last = client.Get("/api/v1/namespaces").status;
      return last;
    }));
  }
  for (auto& call : calls) EXPECT_EQ(call.get(), 200);
  // Connections are pooled: never one per request.
  EXPECT_LE(client.connections_opened(), 4u);
}

TEST_F(KubeClientTest, UnauthorizedWithoutToken) {
  KubeConfig config = ConfigFor(api_);
  config.token.clear();
  KubeClient client(config);
  HttpResponse response = client.Get("/api/v1/namespaces");
  EXPECT_EQ(response.status, 401) << response.error;
}

TEST_F(KubeClientTest, ReportsRetryAfter) {
  testing::FailureRule rule;
  rule.status = 429;
  rule.count = 1;
  rule.retry_after_seconds = 7;
  api_.FailRequests(rule);
  KubeClient client(ConfigFor(api_));
  HttpResponse throttled = client.Get("/api/v1/namespaces");
  EXPECT_EQ(throttled.status, 429);
  ASSERT_TRUE(throttled.retry_after);
  EXPECT_EQ(*throttled.retry_after, seconds(7));
  HttpResponse ok = client.Get("/api/v1/namespaces");
  EXPECT_EQ(ok.status, 200);
  EXPECT_FALSE(ok.retry_after);
}

TEST_F(KubeClientTest, TransportErrorWhenNothingListens) {
  KubeConfig config;
  int port = api_.port();
  // One answered request first: httplib's stop() is lost if it comes before
  // the listener thread is running.
  ASSERT_EQ(KubeClient(ConfigFor(api_)).Get("/version").status, 200);
  api_.Stop();
  config.server = "http://127.0.0.1:" + std::to_string(port);
  KubeClient client(config);
  HttpResponse response = client.Get("/api/v1/namespaces");
  EXPECT_EQ(response.status, 0);
  EXPECT_FALSE(response.error.empty());
  EXPECT_FALSE(response.stopped);
}

TEST_F(KubeClientTest, TokenFileIsReReadAfterUnauthorized) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("atrium-client-token-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string token_path = (dir / "token").string();
  std::ofstream(token_path) << api_.token();
  KubeConfig config = ConfigFor(api_);
  config.token.clear();
  config.token_file = token_path;
  ClientOptions options;
  options.token_recheck = std::chrono::hours(1);  // only a 401 makes it look again
  KubeClient client(config, options);
  ASSERT_EQ(client.Get("/api/v1/namespaces").status, 200);

  api_.SetToken("rotated-token");
  std::ofstream(token_path + ".new") << "rotated-token";
  std::filesystem::rename(token_path + ".new", token_path);
  EXPECT_EQ(client.Get("/api/v1/namespaces").status, 200);
  std::filesystem::remove_all(dir);
}

TEST_F(KubeClientTest, StopInterruptsARequestAtOnce) {
  SilentServer silent;
  ASSERT_GT(silent.port(), 0);
  KubeConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(silent.port());
  KubeClient client(config);
  std::stop_source stop;
  auto call = std::async(std::launch::async,
                         [&] { return client.Get("/api/v1/namespaces", stop.get_token()); });
  EXPECT_EQ(call.wait_for(milliseconds(200)), std::future_status::timeout);  // hangs
  const auto stopped_at = Steady::now();
  stop.request_stop();
  ASSERT_EQ(call.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_LT(Steady::now() - stopped_at, milliseconds(500));
  HttpResponse response = call.get();
  EXPECT_TRUE(response.stopped);
  EXPECT_EQ(response.status, 0);
}

TEST_F(KubeClientTest, WatchDeliversLinesAndStopsPromptly) {
  KubeClient client(ConfigFor(api_));
  std::stop_source stop;
  std::mutex mutex;
  std::vector<nlohmann::json> events;
  std::condition_variable got_event;
  auto watch = std::async(std::launch::async, [&] {
    return client.Watch(
        "/api/v1/namespaces/default/services?watch=true&resourceVersion=" +
            std::to_string(api_.resource_version()),
        [&](std::string_view line) {
          std::lock_guard lock(mutex);
          events.push_back(nlohmann::json::parse(line));
          got_event.notify_all();
          return true;
        },
        stop.get_token());
  });
  ASSERT_TRUE(api_.WaitForOpenWatches(1, seconds(10)));
  ASSERT_TRUE(api_.Create({{"apiVersion", "v1"},
                           {"kind", "Service"},
                           {"metadata", {{"name", "a"}, {"namespace", "default"}}},
                           {"spec", {{"ports", {{{"port", 80}}}}}}})
                  .ok());
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(got_event.wait_for(lock, seconds(10), [&] { return !events.empty(); }));
    EXPECT_EQ(events[0]["type"], "ADDED");
    EXPECT_EQ(events[0]["object"]["metadata"]["name"], "a");
  }
  const auto stopped_at = Steady::now();
  stop.request_stop();
  ASSERT_EQ(watch.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_LT(Steady::now() - stopped_at, milliseconds(500));
  WatchResult result = watch.get();
  EXPECT_EQ(result.end, WatchEnd::kStopped);
  EXPECT_EQ(result.lines, 1u);
}

// A watch calls on_quiet once when it starts quiet and once at the end of
// each burst of events, never while it idles: where an informer's thread
// gives its allocator cache back.
TEST_F(KubeClientTest, WatchCallsOnQuietAfterEachBurst) {
  KubeClient client(ConfigFor(api_));
  std::stop_source stop;
  std::mutex mutex;
  std::condition_variable changed;
  size_t lines = 0;
  size_t quiet_calls = 0;
  size_t lines_at_last_quiet = 0;
  WatchOptions options;
  options.quiet_after = milliseconds(50);
  options.on_quiet = [&] {
    std::lock_guard lock(mutex);
    ++quiet_calls;
    lines_at_last_quiet = lines;
    changed.notify_all();
  };
  auto watch = std::async(std::launch::async, [&] {
    return client.Watch(
        "/api/v1/namespaces/default/services?watch=true&resourceVersion=" +
            std::to_string(api_.resource_version()),
        [&](std::string_view) {
          std::lock_guard lock(mutex);
          ++lines;
          changed.notify_all();
          return true;
        },
        stop.get_token(), options);
  });
  // Stops the watch however the test ends (an ASSERT returns early).
  struct StopOnExit {
    std::stop_source& stop;
    ~StopOnExit() { stop.request_stop(); }
  } stop_on_exit{stop};
  auto wait_for = [&](auto done) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, seconds(10), done);
  };
  ASSERT_TRUE(wait_for([&] { return quiet_calls == 1; }))  // quiet from the start
      << quiet_calls << " quiet calls";
  for (size_t burst = 1; burst <= 2; ++burst) {
    for (int i = 0; i < 3; ++i) {
      const std::string name = "s" + std::to_string(burst) + "-" + std::to_string(i);
      ASSERT_TRUE(api_.Create({{"apiVersion", "v1"},
                               {"kind", "Service"},
                               {"metadata", {{"name", name}, {"namespace", "default"}}},
                               {"spec", {{"ports", {{{"port", 80}}}}}}})
                      .ok());
    }
    ASSERT_TRUE(wait_for([&] { return lines == burst * 3 && lines_at_last_quiet == lines; }))
        << "burst " << burst << ": " << lines << " lines, " << quiet_calls << " quiet calls";
    std::lock_guard lock(mutex);
    // One call per burst, at most: creations a poll apart may split one.
    EXPECT_LE(quiet_calls, 1 + burst * 3);
    EXPECT_GE(quiet_calls, 1 + burst);
  }
  stop.request_stop();
  ASSERT_EQ(watch.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_EQ(watch.get().end, WatchEnd::kStopped);
}

TEST_F(KubeClientTest, WatchEndsWhenTheServerEndsTheStream) {
  KubeClient client(ConfigFor(api_));
  WatchResult result = client.Watch(
      "/api/v1/namespaces/default/services?watch=true&timeoutSeconds=1&resourceVersion=" +
          std::to_string(api_.resource_version()),
      [](std::string_view) { return true; }, std::stop_token());
  EXPECT_EQ(result.end, WatchEnd::kClosed) << WatchEndName(result.end);
  EXPECT_EQ(result.response.status, 200);
}

TEST_F(KubeClientTest, WatchReportsHttpErrorsWithTheirStatus) {
  testing::FailureRule rule;
  rule.status = 503;
  rule.count = 1;
  rule.retry_after_seconds = 3;
  rule.watch = true;
  api_.FailRequests(rule);
  KubeClient client(ConfigFor(api_));
  WatchResult result = client.Watch(
      "/api/v1/services?watch=true", [](std::string_view) { return true; }, std::stop_token());
  EXPECT_EQ(result.end, WatchEnd::kHttpError);
  EXPECT_EQ(result.response.status, 503);
  EXPECT_EQ(result.response.retry_after, seconds(3));
  EXPECT_EQ(result.lines, 0u);
}

TEST_F(KubeClientTest, WatchLineHandlerCanEndTheStream) {
  ASSERT_TRUE(api_.Create({{"apiVersion", "v1"},
                           {"kind", "Service"},
                           {"metadata", {{"name", "a"}, {"namespace", "default"}}},
                           {"spec", {{"ports", {{{"port", 80}}}}}}})
                  .ok());
  KubeClient client(ConfigFor(api_));
  // resourceVersion=0 starts with the current objects as ADDED events.
  WatchResult result = client.Watch(
      "/api/v1/services?watch=true&resourceVersion=0", [](std::string_view) { return false; },
      std::stop_token());
  EXPECT_EQ(result.end, WatchEnd::kAborted);
  EXPECT_EQ(result.lines, 1u);
}

TEST_F(KubeClientTest, WatchOnADeadConnectionFailsAfterTheIdleTimeout) {
  SilentServer silent;
  ASSERT_GT(silent.port(), 0);
  KubeConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(silent.port());
  KubeClient client(config);
  WatchOptions options;
  options.idle_timeout = seconds(1);
  const auto started = Steady::now();
  WatchResult result = client.Watch(
      "/api/v1/services?watch=true", [](std::string_view) { return true; }, std::stop_token(),
      options);
  EXPECT_EQ(result.end, WatchEnd::kTransportError) << WatchEndName(result.end);
  EXPECT_FALSE(result.response.error.empty());
  EXPECT_LT(Steady::now() - started, seconds(10));
}

class KubeClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ApiServerOptions options;
    options.tls = true;
    api_ = std::make_unique<testing::ApiServer>(options);
    ASSERT_TRUE(api_->Start()) << api_->error();
  }
  std::unique_ptr<testing::ApiServer> api_;
};

TEST(KubeClientPlainTest, SpeaksPlainHttp) {
  testing::ApiServerOptions options;
  options.tls = false;
  testing::ApiServer api(options);
  ASSERT_TRUE(api.Start()) << api.error();
  ASSERT_EQ(api.url().rfind("http://", 0), 0u);
  KubeClient client(ConfigFor(api));
  EXPECT_EQ(client.Get("/api/v1/namespaces").status, 200);
}

TEST_F(KubeClientTlsTest, TrustsTheConfiguredCa) {
  KubeConfig config = ConfigFor(*api_);
  config.ca_pem = api_->ca_pem();
  KubeClient client(config);
  EXPECT_EQ(client.Get("/api/v1/namespaces").status, 200);
}

TEST_F(KubeClientTlsTest, RefusesAnUntrustedServer) {
  KubeConfig config = ConfigFor(*api_);
  config.ca_pem.clear();  // the system store does not know the test CA
  KubeClient client(config);
  HttpResponse response = client.Get("/api/v1/namespaces");
  EXPECT_EQ(response.status, 0);
  EXPECT_FALSE(response.error.empty());
}

TEST_F(KubeClientTlsTest, InsecureSkipsVerification) {
  KubeConfig config = ConfigFor(*api_);
  config.ca_pem.clear();
  config.insecure_skip_tls_verify = true;
  KubeClient client(config);
  EXPECT_EQ(client.Get("/api/v1/namespaces").status, 200);
}

TEST_F(KubeClientTlsTest, KubeconfigWrittenByTheServerWorks) {
  const std::string path =
      std::filesystem::temp_directory_path() / ("atrium-kubeconfig-" + std::to_string(::getpid()));
  testing::KubeconfigOptions options;
  options.token_file = true;
  options.ca_file = true;
  ASSERT_TRUE(api_->WriteKubeconfig(path, options));
  ConfigResult loaded = LoadKubeconfig(path);
  ASSERT_TRUE(loaded.config) << loaded.error;
  EXPECT_FALSE(loaded.config->ca_pem.empty());
  EXPECT_FALSE(loaded.config->token_file.empty());
  KubeClient client(*loaded.config);
  EXPECT_EQ(client.Get("/api/v1/namespaces").status, 200);
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".token");
  std::filesystem::remove(path + ".ca.crt");
}

}  // namespace
}  // namespace atrium::kube
