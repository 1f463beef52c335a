// Bad requests, each written as raw bytes: the proxy answers with the status
// RFC 9110/9112 require and closes the connection, and nothing reaches the
// upstream unless the request is valid.

#include <atomic>
#include <string>

#include <gtest/gtest.h>

#include "tests/proxy/server/proxy_test_support.h"

namespace atrium::testing {
namespace {

using namespace std::string_literals;

class ProxyBadRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_.server().Get(".*",
                           [this](const httplib::Request& request, httplib::Response& response) {
                             ++upstream_requests_;
                             std::string body = request.method + " " + request.path + "\n";
                             for (const auto& [key, value] : request.headers)
                               body += key + ": " + value + "\n";
                             response.set_content(body, "text/plain");
                           });
    upstream_.Start();
    Restart(TestOptions());
  }

  void Restart(server::ProxyOptions options) {
    proxy_ = std::make_unique<ProxyHarness>(options);
    proxy_->Publish(
        Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/up:80", {upstream_.port()})})})}));
  }

  // Expect sends bytes and expects status followed by the connection closing.
  void ExpectRejected(const std::string& bytes, int status) {
    RawClient client(proxy_->port());
    ASSERT_TRUE(client.Send(bytes));
    auto response = client.ReadResponse();
    ASSERT_TRUE(response) << bytes;
    EXPECT_EQ(response->result_int(), status) << bytes;
    EXPECT_FALSE(response->keep_alive()) << bytes;
    EXPECT_TRUE(client.WaitClosed()) << bytes;
  }

  std::atomic<int> upstream_requests_{0};
  HttpUpstream upstream_;
  std::unique_ptr<ProxyHarness> proxy_;
};

TEST_F(ProxyBadRequestTest, MalformedRequestLineIs400) {
  ExpectRejected("GARBAGE\r\n\r\n", 400);
  ExpectRejected("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  ExpectRejected("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400);
  ExpectRejected("GET /#frag HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  ExpectRejected("GET nothing HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  EXPECT_EQ(upstream_requests_.load(), 0);
}

TEST_F(ProxyBadRequestTest, MalformedHeaderIs400) {
  ExpectRejected("GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400);
  ExpectRejected("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400);
  ExpectRejected("GET / HTTP/1.1\r\nHost: x\r\n: empty name\r\n\r\n", 400);
  EXPECT_EQ(upstream_requests_.load(), 0);
}

TEST_F(ProxyBadRequestTest, NulCrOrLfInAFieldValueIs400) {
  ExpectRejected("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"s, 400);
  ExpectRejected("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400);
  ExpectRejected("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nb\r\n\r\n", 400);
  EXPECT_EQ(upstream_requests_.load(), 0);
}

TEST_F(ProxyBadRequestTest, HeaderSectionOverTheLimitIs431) {
  auto options = TestOptions();
  options.max_header_bytes = 4096;
  Restart(options);
  ExpectRejected(Get("/", "x", "X-Big: " + std::string(5000, 'a') + "\r\n"), 431);
  // Just under the limit is fine.
  RawClient client(proxy_->port());
  ASSERT_TRUE(client.Send(Get("/", "x", "X-Big: " + std::string(3000, 'a') + "\r\n")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(ProxyBadRequestTest, BodyOverTheLimitIs413) {
  auto options = TestOptions();
  options.max_body_bytes = 1000;
  Restart(options);
  ExpectRejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", 413);
  // A chunked body crosses the limit while it streams; nothing answered yet.
  RawUpstream sink([](int fd) {
    std::string leftover;
    ReadHead(fd, &leftover);
    char buffer[4096];
    while (::recv(fd, buffer, sizeof(buffer), 0) > 0) {
    }
  });
  proxy_->Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/sink:80", {sink.port()})})})}));
  ExpectRejected(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3e8\r\n" +
          std::string(1000, 'a') + "\r\n10\r\n" + std::string(16, 'b') + "\r\n0\r\n\r\n",
      413);
}

TEST_F(ProxyBadRequestTest, ContentLengthWithTransferEncodingIs400AndClose) {
  ExpectRejected(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n",
      400);
  ExpectRejected(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
      "0\r\n\r\n",
      400);
  ExpectRejected(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc", 400);
  EXPECT_EQ(upstream_requests_.load(), 0);
}

TEST_F(ProxyBadRequestTest, ConflictingContentLengthsAre400) {
  ExpectRejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                 400);
  ExpectRejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd", 400);
  ExpectRejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400);
  EXPECT_EQ(upstream_requests_.load(), 0);
}

TEST_F(ProxyBadRequestTest, TransferCodingsOtherThanChunked) {
  ExpectRejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
  ExpectRejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
  ExpectRejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                 501);
  ExpectRejected("POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
  EXPECT_EQ(upstream_requests_.load(), 0);
}

TEST_F(ProxyBadRequestTest, HostRules) {
  ExpectRejected("GET / HTTP/1.1\r\n\r\n", 400);                        // missing
  ExpectRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);  // repeated
  ExpectRejected("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400);           // invalid
  ExpectRejected("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400);        // invalid
  ExpectRejected("GET http://a.example.com/x HTTP/1.1\r\nHost: b.example.com\r\n\r\n", 400);
  EXPECT_EQ(upstream_requests_.load(), 0);

  // An absolute-form target that agrees with Host is served, origin-form upstream.
  RawClient client(proxy_->port());
  ASSERT_TRUE(
      client.Send("GET http://A.example.com/x?y=1 HTTP/1.1\r\nHost: a.example.com\r\n\r\n"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body().substr(0, 7), "GET /x\n") << response->body();
  // HTTP/1.0 may omit Host.
  ASSERT_TRUE(client.Send("GET /ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(ProxyBadRequestTest, UnsupportedVersionAndExpectation) {
  ExpectRejected("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
  ExpectRejected("GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", 417);
  ExpectRejected("CONNECT a.example.com:443 HTTP/1.1\r\nHost: a.example.com:443\r\n\r\n", 501);
}

TEST_F(ProxyBadRequestTest, MaxForwardsZeroIsAnsweredByTheProxy) {
  RawClient client(proxy_->port());
  ASSERT_TRUE(
      client.Send("OPTIONS / HTTP/1.1\r\nHost: x\r\nMax-Forwards: 0\r\n\r\n"
                  "TRACE / HTTP/1.1\r\nHost: x\r\nMax-Forwards: 0\r\n\r\n"));
  auto options = client.ReadResponse();
  ASSERT_TRUE(options);
  EXPECT_EQ(options->result_int(), 200);
  EXPECT_FALSE((*options)[boost::beast::http::field::allow].empty());
  auto trace = client.ReadResponse();
  ASSERT_TRUE(trace);
  EXPECT_EQ(trace->result_int(), 405);
  EXPECT_EQ(upstream_requests_.load(), 0);
}

TEST_F(ProxyBadRequestTest, H2cUpgradeIsNeverForwarded) {
  RawClient client(proxy_->port());
  ASSERT_TRUE(client.Send(Get("/", "x",
                              "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                              "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body().find("Upgrade"), std::string::npos) << response->body();
  EXPECT_EQ(response->body().find("HTTP2-Settings"), std::string::npos) << response->body();
}

TEST_F(ProxyBadRequestTest, SlowHeaderGets408AndClose) {
  auto options = TestOptions();
  options.header_timeout = 300ms;
  Restart(options);
  RawClient client(proxy_->port());
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\n"));  // never finished
  auto start = std::chrono::steady_clock::now();
  auto response = client.ReadResponse(5s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 408);
  EXPECT_TRUE(client.WaitClosed(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(upstream_requests_.load(), 0);
}

TEST_F(ProxyBadRequestTest, IdleConnectionIsClosedAfterTheTimeout) {
  auto options = TestOptions();
  options.idle_timeout = 300ms;
  Restart(options);
  RawClient client(proxy_->port());
  ASSERT_TRUE(client.Send(Get("/")));
  ASSERT_TRUE(client.ReadResponse());
  auto start = std::chrono::steady_clock::now();
  std::string received;
  EXPECT_TRUE(client.WaitClosed(5s, &received));
  EXPECT_TRUE(received.empty()) << received;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

}  // namespace
}  // namespace atrium::testing
