// Integration tests: routing, keep-alive, pipelining, forwarded headers,
// local answers (404/500/503), upstream failures (502/504), retry,
// ejection and recovery, listeners, drain, stats. Everything on 127.0.0.1
// port 0 with in-process upstreams.

#include <atomic>
#include <future>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "tests/proxy/server/proxy_test_support.h"

namespace atrium::testing {
namespace {

// EchoUpstream answers every request with its name, method, path and the
// headers it received, one "name: value" line each, then the target as
// received.
class EchoUpstream {
 public:
  explicit EchoUpstream(const std::string& name) {
    auto handler = [name](const httplib::Request& request, httplib::Response& response) {
      std::string body = "upstream: ";
      body.append(name).append("\n").append(request.method).append(" ").append(request.path);
      body.append("\n");
      for (const auto& [key, value] : request.headers) {
        body.append(key).append(": ").append(value).append("\n");
      }
      // As received, query included.
      body.append("target: ").append(request.target).append("\n");
      response.set_content(body, "text/plain");
    };
    upstream_.server().Get(".*", handler);
    upstream_.server().Post(".*", handler);
    upstream_.Start();
  }
  uint16_t port() const { return upstream_.port(); }

 private:
  HttpUpstream upstream_;
};

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class ProxyRoutingTest : public ::testing::Test {
 protected:
  std::optional<Response> Fetch(const std::string& request) {
    RawClient client(proxy_->port());
    EXPECT_TRUE(client.connected());
    EXPECT_TRUE(client.Send(request));
    return client.ReadResponse();
  }
  int Status(const std::string& request) {
    auto response = Fetch(request);
    return response ? static_cast<int>(response->result_int()) : -1;
  }

  EchoUpstream a_{"a"};
  EchoUpstream b_{"b"};
  std::unique_ptr<ProxyHarness> proxy_ = std::make_unique<ProxyHarness>();
};

TEST_F(ProxyRoutingTest, RoutesByHostAndPath) {
  proxy_->Publish(Config({
      Host("a.example.com", {PrefixRoute("route-a", "/", {MakeBackend("ns/a:80", {a_.port()})})}),
      Host("b.example.com", {PrefixRoute("route-b", "/b", {MakeBackend("ns/b:80", {b_.port()})}),
                             PrefixRoute("route-b2", "/", {MakeBackend("ns/a:80", {a_.port()})})}),
  }));
  ASSERT_NE(proxy_->port(), 0);

  auto response = Fetch(Get("/x", "a.example.com"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_TRUE(Contains(response->body(), "upstream: a\nGET /x\n"));

  response = Fetch(Get("/b/1?q=2", "B.Example.com:80"));
  ASSERT_TRUE(response);
  EXPECT_TRUE(Contains(response->body(), "upstream: b\nGET /b/1\n")) << response->body();

  response = Fetch(Get("/bb", "b.example.com"));
  ASSERT_TRUE(response);
  EXPECT_TRUE(Contains(response->body(), "upstream: a\n"));

  EXPECT_EQ(Status(Get("/", "unknown.example.com")), 404);
}

// A request is routed and forwarded by its normal path (RFC 3986): a dot
// segment cannot take a request past the route that matched it to a path
// the upstream resolves elsewhere.
TEST_F(ProxyRoutingTest, RoutesAndForwardsTheNormalizedPath) {
  proxy_->Publish(Config({
      Host("example.com", {PrefixRoute("api", "/api", {MakeBackend("ns/a:80", {a_.port()})}),
                           PrefixRoute("rest", "/", {MakeBackend("ns/b:80", {b_.port()})})}),
  }));
  ASSERT_NE(proxy_->port(), 0);
  const std::map<std::string, std::string> cases = {
      {"/api/../admin", "upstream: b\nGET /admin\n"},
      {"/api/%2e%2e/admin", "upstream: b\nGET /admin\n"},
      {"/x/../api/users", "upstream: a\nGET /api/users\n"},
      {"//api//users/./", "upstream: a\nGET /api/users/\n"},
      {"/%61pi/users?q=/../x", "upstream: a\nGET /api/users\n"},
  };
  for (const auto& [target, expected] : cases) {
    auto response = Fetch(Get(target, "example.com"));
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->result_int(), 200) << target;
    EXPECT_TRUE(Contains(response->body(), expected)) << target << "\n" << response->body();
  }
  // The query is forwarded as written.
  auto response = Fetch(Get("/api/./q?x=/../%2e", "example.com"));
  ASSERT_TRUE(response);
  EXPECT_TRUE(Contains(response->body(), "target: /api/q?x=/../%2e\n")) << response->body();
  EXPECT_EQ(Status(Get("/api/%zz", "example.com")), 400);
}

TEST_F(ProxyRoutingTest, KeepAliveServesManyRequestsOnOneConnection) {
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/a:80", {a_.port()})})})}));
  RawClient client(proxy_->port());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.Send(Get("/n" + std::to_string(i))));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_TRUE(Contains(response->body(), "GET /n" + std::to_string(i) + "\n"));
    EXPECT_TRUE(response->keep_alive());
  }
  // A request is counted once its response is written: wait for the last.
  EXPECT_TRUE(WaitFor([&] { return proxy_->stats().Sum().total_requests == 5; }));
  EXPECT_EQ(proxy_->stats().Sum().total_connections, 1u);
}

TEST_F(ProxyRoutingTest, PipelinedRequestsAreAnsweredInOrder) {
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/a:80", {a_.port()})})})}));
  RawClient client(proxy_->port());
  std::string batch;
  for (int i = 0; i < 6; ++i) batch += Get("/p" + std::to_string(i));
  ASSERT_TRUE(client.Send(batch));
  for (int i = 0; i < 6; ++i) {
    auto response = client.ReadResponse();
    ASSERT_TRUE(response) << i;
    EXPECT_TRUE(Contains(response->body(), "GET /p" + std::to_string(i) + "\n")) << i;
  }
}

TEST_F(ProxyRoutingTest, AddsForwardedHeadersViaAndRequestId) {
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/a:80", {a_.port()})})})}));
  auto response = Fetch(Get("/h", "example.com", "X-Forwarded-For: 10.0.0.1\r\n"));
  ASSERT_TRUE(response);
  const std::string& body = response->body();
  EXPECT_TRUE(Contains(body, "X-Forwarded-For: 10.0.0.1, 127.0.0.1\n")) << body;
  EXPECT_TRUE(Contains(body, "X-Forwarded-Proto: http\n")) << body;
  EXPECT_TRUE(Contains(body, "X-Forwarded-Host: example.com\n")) << body;
  EXPECT_TRUE(Contains(body, "Via: 1.1 atrium\n")) << body;
  size_t id = body.find("X-Request-Id: ");
  ASSERT_NE(id, std::string::npos) << body;
  std::string value = body.substr(id + 14, body.find('\n', id) - id - 14);
  EXPECT_EQ(value.size(), 36u) << value;
  EXPECT_EQ(value[14], '4') << value;

  response = Fetch(Get("/h", "example.com", "X-Request-Id: client-chosen\r\n"));
  ASSERT_TRUE(response);
  EXPECT_TRUE(Contains(response->body(), "X-Request-Id: client-chosen\n")) << response->body();
}

TEST_F(ProxyRoutingTest, RemovesHopByHopRequestHeaders) {
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/a:80", {a_.port()})})})}));
  auto response =
      Fetch(Get("/", "example.com",
                "Connection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n"
                "TE: trailers\r\nProxy-Connection: keep-alive\r\nTrailer: X-T\r\nX-Kept: yes\r\n"));
  ASSERT_TRUE(response);
  const std::string& body = response->body();
  EXPECT_TRUE(Contains(body, "X-Kept: yes\n")) << body;
  EXPECT_FALSE(Contains(body, "X-Secret")) << body;
  EXPECT_FALSE(Contains(body, "Keep-Alive: timeout")) << body;
  EXPECT_FALSE(Contains(body, "TE: trailers")) << body;
  EXPECT_FALSE(Contains(body, "Proxy-Connection")) << body;
  EXPECT_FALSE(Contains(body, "Trailer:")) << body;
}

TEST_F(ProxyRoutingTest, RemovesHopByHopResponseHeadersAndAddsDate) {
  RawUpstream upstream([](int fd) {
    std::string leftover;
    while (ReadHead(fd, &leftover)) {
      SendAll(fd,
              "HTTP/1.1 200 OK\r\nConnection: X-Internal\r\nX-Internal: 1\r\n"
              "Keep-Alive: timeout=5\r\nX-Public: 2\r\nContent-Length: 2\r\n\r\nok");
    }
  });
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/raw:80", {upstream.port()})})})}));
  auto response = Fetch(Get("/"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "ok");
  EXPECT_EQ((*response)["X-Public"], "2");
  EXPECT_EQ(response->count("X-Internal"), 0u);
  EXPECT_EQ(response->count("Keep-Alive"), 0u);
  EXPECT_EQ(response->count(boost::beast::http::field::date), 1u);
}

TEST_F(ProxyRoutingTest, LocalAnswers) {
  ir::Route direct = PrefixRoute("direct", "/direct", {});
  direct.direct_status = 418;
  ir::Route zero = PrefixRoute("zero", "/zero", {MakeBackend("ns/a:80", {a_.port()}, 0)});
  ir::Backend invalid = MakeBackend("ns/missing:80", {});
  invalid.valid = false;
  ir::Route bad = PrefixRoute("invalid", "/invalid", {invalid});
  ir::Route empty = PrefixRoute("empty", "/empty", {MakeBackend("ns/empty:80", {})});
  proxy_->Publish(Config({Host("example.com", {direct, zero, bad, empty})}));

  EXPECT_EQ(Status(Get("/direct")), 418);
  EXPECT_EQ(Status(Get("/zero")), 500);
  EXPECT_EQ(Status(Get("/invalid")), 500);
  EXPECT_EQ(Status(Get("/empty")), 503);
  EXPECT_EQ(Status(Get("/nothing")), 404);
  EXPECT_EQ(Status(Get("/", "other.example.com")), 404);

  // A local answer keeps the connection (the small body is read and dropped).
  RawClient client(proxy_->port());
  ASSERT_TRUE(
      client.Send("POST /nothing HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello" +
                  Get("/direct")));
  auto first = client.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->result_int(), 404);
  auto second = client.ReadResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->result_int(), 418);
  // HEAD gets no body.
  ASSERT_TRUE(client.Send("HEAD /nothing HTTP/1.1\r\nHost: example.com\r\n\r\n" + Get("/direct")));
  auto head = client.ReadResponse(10s, /*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result_int(), 404);
  EXPECT_TRUE(head->body().empty());
  auto after = client.ReadResponse();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->result_int(), 418);
}

TEST_F(ProxyRoutingTest, WeightZeroIsNeverChosenAndWeightsSplitTraffic) {
  proxy_->Publish(Config({Host("", {PrefixRoute("r", "/",
                                                {MakeBackend("ns/a:80", {a_.port()}, 0),
                                                 MakeBackend("ns/b:80", {b_.port()}, 1)})})}));
  RawClient client(proxy_->port());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(client.Send(Get("/")));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response);
    EXPECT_TRUE(Contains(response->body(), "upstream: b\n"));
  }
  proxy_->Publish(Config({Host("", {PrefixRoute("r", "/",
                                                {MakeBackend("ns/a:80", {a_.port()}, 1),
                                                 MakeBackend("ns/b:80", {b_.port()}, 1)})})}));
  std::map<std::string, int> seen;
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(client.Send(Get("/")));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response);
    seen[response->body().substr(0, 11)]++;
  }
  EXPECT_GT(seen["upstream: a"], 5);
  EXPECT_GT(seen["upstream: b"], 5);
}

TEST_F(ProxyRoutingTest, InvalidBackendAnswers500ForItsShare) {
  ir::Backend invalid = MakeBackend("ns/missing:80", {}, 1);
  invalid.valid = false;
  proxy_->Publish(Config(
      {Host("", {PrefixRoute("r", "/", {invalid, MakeBackend("ns/a:80", {a_.port()}, 1)})})}));
  std::map<int, int> statuses;
  RawClient client(proxy_->port());
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(client.Send(Get("/")));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response);
    statuses[static_cast<int>(response->result_int())]++;
  }
  EXPECT_GT(statuses[500], 5);
  EXPECT_GT(statuses[200], 5);
  EXPECT_EQ(statuses[500] + statuses[200], 60);
}

TEST_F(ProxyRoutingTest, DeadBackendIs502) {
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/dead:80", {ClosedPort()})})})}));
  EXPECT_EQ(Status(Get("/")), 502);
  auto stats = proxy_->stats().Sum();
  EXPECT_GE(stats.upstream_errors[static_cast<int>(stats::UpstreamError::kConnectFailed)], 1u);
}

TEST_F(ProxyRoutingTest, SlowBackendIs504) {
  auto options = TestOptions();
  options.upstream_read_timeout = 300ms;
  proxy_ = std::make_unique<ProxyHarness>(options);
  std::atomic<bool> release{false};
  RawUpstream slow([&](int fd) {
    std::string leftover;
    ReadHead(fd, &leftover);
    WaitFor([&] { return release.load(); }, 10s);
  });
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/slow:80", {slow.port()})})})}));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Status(Get("/")), 504);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  release = true;
}

TEST_F(ProxyRoutingTest, RouteTimeoutsAre504) {
  std::atomic<bool> release{false};
  RawUpstream slow([&](int fd) {
    std::string leftover;
    ReadHead(fd, &leftover);
    WaitFor([&] { return release.load(); }, 10s);
  });
  ir::Route request_timeout =
      PrefixRoute("t1", "/request", {MakeBackend("ns/slow:80", {slow.port()})});
  request_timeout.timeouts = ir::Timeouts{.request_ms = 200};
  ir::Route backend_timeout =
      PrefixRoute("t2", "/backend", {MakeBackend("ns/slow:80", {slow.port()})});
  backend_timeout.timeouts = ir::Timeouts{.backend_request_ms = 200};
  proxy_->Publish(Config({Host("", {request_timeout, backend_timeout})}));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Status(Get("/request")), 504);
  EXPECT_EQ(Status(Get("/backend")), 504);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  release = true;
}

TEST_F(ProxyRoutingTest, RetriesAnotherEndpointWhenConnectFails) {
  proxy_->Publish(Config({Host(
      "", {PrefixRoute("r", "/", {MakeBackend("ns/mixed:80", {ClosedPort(), a_.port()})})})}));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Status(Get("/")), 200) << i;
  }
  auto stats = proxy_->stats().Sum();
  EXPECT_GE(stats.upstream_errors[static_cast<int>(stats::UpstreamError::kConnectFailed)], 1u);
}

TEST_F(ProxyRoutingTest, RefusingEndpointIsEjectedAndComesBack) {
  auto options = TestOptions();
  options.ejection_duration = 300ms;
  proxy_ = std::make_unique<ProxyHarness>(options);
  const uint16_t flaky_port = ClosedPort();
  proxy_->Publish(Config(
      {Host("", {PrefixRoute("r", "/", {MakeBackend("ns/mixed:80", {flaky_port, a_.port()})})})}));
  RawClient client(proxy_->port());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(client.Send(Get("/")));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200);
  }
  // Without ejection about half of the 40 requests would try the refusing
  // endpoint first; with it, each worker tries it about once per 300 ms.
  auto stats = proxy_->stats().Sum();
  EXPECT_LE(stats.upstream_errors[static_cast<int>(stats::UpstreamError::kConnectFailed)], 8u);

  RawUpstream recovered(
      [](int fd) {
        std::string leftover;
        while (ReadHead(fd, &leftover)) {
          SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nrecovered");
        }
      },
      flaky_port);
  ASSERT_EQ(recovered.port(), flaky_port);
  EXPECT_TRUE(WaitFor([&] {
    if (!client.Send(Get("/"))) return false;
    auto response = client.ReadResponse();
    return response && response->body() == "recovered";
  }));
}

TEST_F(ProxyRoutingTest, RecordsRequestsByRouteBackendAndStatus) {
  proxy_->Publish(Config({Host(
      "", {PrefixRoute("httproute/ns/r/rule/0", "/", {MakeBackend("ns/a:80", {a_.port()})})})}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Status(Get("/")), 200);
  EXPECT_EQ(Status(Get("/", "")), 200);
  EXPECT_TRUE(WaitFor([&] { return proxy_->stats().Sum().total_requests == 4; }));
  auto stats = proxy_->stats().Sum();
  stats::RequestKey key{"httproute/ns/r/rule/0", "ns/a:80", 2};
  EXPECT_EQ(stats.requests[key], 4u);
  EXPECT_EQ(stats.duration_by_route["httproute/ns/r/rule/0"].count, 4u);
  EXPECT_TRUE(WaitFor([&] { return proxy_->stats().Sum().open_connections == 0; }));
}

TEST_F(ProxyRoutingTest, SyncListenersReportsBindErrorsAndKeepsOthers) {
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/a:80", {a_.port()})})})}));
  // Hold a port without SO_REUSEPORT: binding it must fail.
  RawUpstream holder([](int) {});
  table::ListenerKey taken{"127.0.0.1", holder.port(), 80, false};
  table::ListenerKey ours{"127.0.0.1", 0, 80, false};
  auto errors = proxy_->server().SyncListeners({ours, taken});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(Contains(errors[0], "bind 127.0.0.1:" + std::to_string(holder.port()))) << errors[0];
  EXPECT_EQ(proxy_->server().BoundPort(taken), 0);
  EXPECT_EQ(Status(Get("/")), 200);

  // A TLS listener binds too: it terminates TLS with the certificate the
  // table selects (tests/proxy/tls), and never answers in plaintext.
  table::ListenerKey tls{"127.0.0.3", 0, 443, true};
  table::ListenerKey other{"127.0.0.2", 0, 80, false};
  errors = proxy_->server().SyncListeners({ours, other, tls});
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_NE(proxy_->server().BoundPort(tls), 0);
}

TEST_F(ProxyRoutingTest, RemovedListenerStopsAcceptingButFinishesConnections) {
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/a:80", {a_.port()})})})}));
  const uint16_t port = proxy_->port();
  RawClient kept(port);
  ASSERT_TRUE(kept.Send(Get("/")));
  ASSERT_TRUE(kept.ReadResponse());
  EXPECT_TRUE(proxy_->server().SyncListeners({}).empty());
  EXPECT_EQ(proxy_->server().BoundPort({"127.0.0.1", 0, 80, false}), 0);
  EXPECT_TRUE(WaitFor([&] { return !RawClient(port).connected(); }));
  // The connection accepted before keeps working.
  ASSERT_TRUE(kept.Send(Get("/")));
  auto response = kept.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(ProxyRoutingTest, DrainLetsInFlightRequestsFinish) {
  std::atomic<bool> got_request{false};
  RawUpstream slow([&](int fd) {
    std::string leftover;
    if (!ReadHead(fd, &leftover)) return;
    got_request = true;
    std::this_thread::sleep_for(300ms);  // the in-flight request takes a while
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
  });
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/slow:80", {slow.port()})})})}));
  const uint16_t port = proxy_->port();
  RawClient idle(port);  // an idle keep-alive connection is closed by the drain
  ASSERT_TRUE(idle.connected());
  RawClient busy(port);
  ASSERT_TRUE(busy.Send(Get("/")));
  ASSERT_TRUE(WaitFor([&] { return got_request.load(); }));

  auto drained = std::async(std::launch::async, [&] { return proxy_->server().Drain(5s); });
  auto response = busy.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "done");
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(busy.WaitClosed());
  EXPECT_TRUE(idle.WaitClosed());
  EXPECT_TRUE(drained.get());
  EXPECT_FALSE(RawClient(port).connected());
}

TEST_F(ProxyRoutingTest, DrainDeadlineAbortsStuckRequests) {
  std::atomic<bool> got_request{false};
  std::atomic<bool> release{false};
  RawUpstream stuck([&](int fd) {
    std::string leftover;
    if (!ReadHead(fd, &leftover)) return;
    got_request = true;
    WaitFor([&] { return release.load(); }, 10s);
  });
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/stuck:80", {stuck.port()})})})}));
  RawClient busy(proxy_->port());
  ASSERT_TRUE(busy.Send(Get("/")));
  ASSERT_TRUE(WaitFor([&] { return got_request.load(); }));
  EXPECT_FALSE(proxy_->server().Drain(200ms));
  EXPECT_TRUE(busy.WaitClosed());
  release = true;
}

}  // namespace
}  // namespace atrium::testing
