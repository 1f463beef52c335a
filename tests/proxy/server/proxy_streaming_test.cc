// Bodies and protocol features through the proxy: Content-Length and chunked
// bodies of 64 MiB streamed both ways (the upstream or client sees data
// before the other side has sent everything, so nothing is buffered whole),
// HEAD, 100-continue, 1xx, HTTP/1.0 framing, and Upgrade tunnels.

#include <atomic>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "tests/proxy/server/proxy_test_support.h"

namespace atrium::testing {
namespace {

constexpr uint64_t kLarge = 64ULL * 1024 * 1024;
constexpr size_t kPiece = 1024 * 1024;

char PatternByte(uint64_t offset) { return static_cast<char>('a' + offset % 23); }

std::string Pattern(uint64_t offset, size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = PatternByte(offset + i);
  return data;
}

bool MatchesPattern(const std::string& data) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != PatternByte(i)) return false;
  }
  return true;
}

class ProxyStreamingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& server = upstream_.server();
    server.Post("/upload", [this](const httplib::Request&, httplib::Response& response,
                                  const httplib::ContentReader& reader) {
      uint64_t count = 0;
      bool ok = true;
      reader([&](const char* data, size_t length) {
        for (size_t i = 0; i < length; ++i) ok = ok && data[i] == PatternByte(count + i);
        count += length;
        uploaded_ = count;
        return true;
      });
      response.set_content(std::to_string(count) + (ok ? " ok" : " corrupt"), "text/plain");
    });
    server.Get("/download", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content_provider(kLarge, "application/octet-stream",
                                    [this](size_t offset, size_t length, httplib::DataSink& sink) {
                                      // Hold the rest back until the client has seen the beginning:
                                      // a proxy that buffered whole bodies would never deliver it.
                                      if (offset >= 8 * kPiece)
                                        WaitFor([this] { return client_saw_data_.load(); }, 20s);
                                      size_t n = std::min<size_t>(length, 256 * 1024);
                                      std::string data = Pattern(offset, n);
                                      return sink.write(data.data(), data.size());
                                    });
    });
    server.Get("/chunked", [this](const httplib::Request&, httplib::Response& response) {
      response.set_chunked_content_provider(
          "application/octet-stream", [this](size_t offset, httplib::DataSink& sink) {
            if (offset >= kLarge) {
              sink.done();
              return true;
            }
            if (offset >= 8 * kPiece) WaitFor([this] { return client_saw_data_.load(); }, 20s);
            std::string data = Pattern(offset, kPiece);
            return sink.write(data.data(), data.size());
          });
    });
    server.Get("/small", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("0123456789", "text/plain");
    });
    upstream_.Start();
    proxy_.Publish(
        Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/up:80", {upstream_.port()})})})}));
  }

  std::atomic<uint64_t> uploaded_{0};
  std::atomic<bool> client_saw_data_{false};
  HttpUpstream upstream_;
  ProxyHarness proxy_;
};

TEST_F(ProxyStreamingTest, ContentLengthUploadIsStreamed) {
  RawClient client(proxy_.port());
  ASSERT_TRUE(client.Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                          std::to_string(kLarge) + "\r\n\r\n"));
  for (uint64_t sent = 0; sent < kLarge; sent += kPiece) {
    ASSERT_TRUE(client.Send(Pattern(sent, kPiece)));
    if (sent == 8 * kPiece) {
      // The upstream has data while most of the body is still unsent.
      EXPECT_TRUE(WaitFor([&] { return uploaded_.load() >= kPiece; }));
    }
  }
  auto response = client.ReadResponse(60s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), std::to_string(kLarge) + " ok");
}

TEST_F(ProxyStreamingTest, ChunkedUploadIsStreamed) {
  RawClient client(proxy_.port());
  ASSERT_TRUE(
      client.Send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  char size_line[32];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", kPiece);
  for (uint64_t sent = 0; sent < kLarge; sent += kPiece) {
    ASSERT_TRUE(client.Send(size_line + Pattern(sent, kPiece) + "\r\n"));
    if (sent == 8 * kPiece) {
      EXPECT_TRUE(WaitFor([&] { return uploaded_.load() >= kPiece; }));
    }
  }
  ASSERT_TRUE(client.Send("0\r\n\r\n"));
  auto response = client.ReadResponse(60s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), std::to_string(kLarge) + " ok");
}

TEST_F(ProxyStreamingTest, ContentLengthDownloadIsStreamed) {
  RawClient client(proxy_.port());
  ASSERT_TRUE(client.Send(Get("/download")));
  ASSERT_TRUE(client.ReadAtLeast(2 * kPiece, 20s));
  client_saw_data_ = true;
  auto response = client.ReadResponse(60s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ((*response)[boost::beast::http::field::content_length], std::to_string(kLarge));
  EXPECT_EQ(response->body().size(), kLarge);
  EXPECT_TRUE(MatchesPattern(response->body()));
}

TEST_F(ProxyStreamingTest, ChunkedDownloadIsStreamed) {
  RawClient client(proxy_.port());
  ASSERT_TRUE(client.Send(Get("/chunked")));
  ASSERT_TRUE(client.ReadAtLeast(2 * kPiece, 20s));
  client_saw_data_ = true;
  auto response = client.ReadResponse(60s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_TRUE(response->chunked());
  EXPECT_EQ(response->body().size(), kLarge);
  EXPECT_TRUE(MatchesPattern(response->body()));
  // The connection is still usable afterwards.
  ASSERT_TRUE(client.Send(Get("/small")));
  auto next = client.ReadResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "0123456789");
}

TEST_F(ProxyStreamingTest, HeadGetsHeadersWithoutBody) {
  RawClient client(proxy_.port());
  ASSERT_TRUE(client.Send("HEAD /small HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = client.ReadResponse(10s, /*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result_int(), 200);
  EXPECT_EQ((*head)[boost::beast::http::field::content_length], "10");
  EXPECT_TRUE(head->body().empty());
  // Had a body followed the HEAD response, this would parse garbage.
  ASSERT_TRUE(client.Send(Get("/small")));
  auto next = client.ReadResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->result_int(), 200);
  EXPECT_EQ(next->body(), "0123456789");
}

TEST_F(ProxyStreamingTest, ExpectContinueIsRelayedFromTheUpstream) {
  std::atomic<bool> saw_expect{false};
  RawUpstream continuing([&](int fd) {
    std::string leftover;
    auto head = ReadHead(fd, &leftover);
    if (!head) return;
    saw_expect = head->find("Expect: 100-continue") != std::string::npos;
    SendAll(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    auto body = ReadExactly(fd, 5, &leftover);
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + body.value_or("fail!"));
  });
  auto options = TestOptions();
  options.expect_continue_timeout = std::chrono::seconds(5);  // never reached
  ProxyHarness proxy(options);
  proxy.Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/c:80", {continuing.port()})})})}));
  RawClient client(proxy.port());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(
      client.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  auto interim = client.ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);  // relayed, not generated
  EXPECT_TRUE(saw_expect.load());
  ASSERT_TRUE(client.Send("hello"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "hello");
}

TEST_F(ProxyStreamingTest, ExpectContinueWithASilentUpstream) {
  // An upstream that ignores Expect (as HTTP/1.0 servers do): the proxy
  // invites the client itself after expect_continue_timeout.
  RawUpstream silent([](int fd) {
    std::string leftover;
    if (!ReadHead(fd, &leftover)) return;
    auto body = ReadExactly(fd, 5, &leftover);
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + body.value_or("fail!"));
  });
  auto options = TestOptions();
  options.expect_continue_timeout = std::chrono::milliseconds(200);
  ProxyHarness proxy(options);
  proxy.Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/silent:80", {silent.port()})})})}));
  RawClient client(proxy.port());
  ASSERT_TRUE(client.Send(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = client.ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_TRUE(client.Send("hello"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "hello");
}

TEST_F(ProxyStreamingTest, ExpectContinueRefusedByTheUpstream) {
  RawUpstream refusing([](int fd) {
    std::string leftover;
    if (!ReadHead(fd, &leftover)) return;
    SendAll(fd, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
  });
  auto options = TestOptions();
  options.expect_continue_timeout = std::chrono::seconds(5);
  ProxyHarness proxy(options);
  proxy.Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/r:80", {refusing.port()})})})}));
  RawClient client(proxy.port());
  ASSERT_TRUE(
      client.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 417);
  EXPECT_FALSE(response->keep_alive());  // the body was never read
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ProxyStreamingTest, InterimResponsesAreRelayed) {
  RawUpstream hints([](int fd) {
    std::string leftover;
    if (!ReadHead(fd, &leftover)) return;
    SendAll(fd,
            "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  proxy_.Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/hints:80", {hints.port()})})})}));
  RawClient client(proxy_.port());
  ASSERT_TRUE(client.Send(Get("/")));
  auto interim = client.ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 103);
  EXPECT_EQ((*interim)["Link"], "</style.css>; rel=preload");
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "ok");
}

TEST_F(ProxyStreamingTest, Http10ClientGetsACloseDelimitedBody) {
  RawClient client(proxy_.port());
  ASSERT_TRUE(client.Send("GET /chunked HTTP/1.0\r\nHost: x\r\n\r\n"));
  client_saw_data_ = true;
  auto response = client.ReadResponse(60s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->version(), 11u);
  EXPECT_FALSE(response->chunked());
  EXPECT_EQ(response->body().size(), kLarge);
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(ProxyStreamingTest, CloseDelimitedUpstreamBodyIsChunkedForHttp11) {
  RawUpstream old_server([](int fd) {
    std::string leftover;
    if (!ReadHead(fd, &leftover)) return;
    SendAll(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
  });
  proxy_.Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/old:80", {old_server.port()})})})}));
  RawClient client(proxy_.port());
  ASSERT_TRUE(client.Send(Get("/")));
  auto response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "until the end");
  EXPECT_TRUE(response->chunked());
  EXPECT_TRUE(response->keep_alive());
}

TEST_F(ProxyStreamingTest, UpgradeIsTunnelledBothWays) {
  std::atomic<bool> saw_upgrade{false};
  RawUpstream websocket([&](int fd) {
    std::string leftover;
    auto head = ReadHead(fd, &leftover);
    if (!head) return;
    saw_upgrade = head->find("Upgrade: websocket") != std::string::npos &&
                  head->find("Connection: upgrade") != std::string::npos;
    SendAll(fd,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
            "server-first");
    // Echo everything back until the client closes.
    std::string pending = leftover;
    for (;;) {
      if (!pending.empty()) {
        SendAll(fd, "echo:" + pending);
        pending.clear();
      }
      char buffer[4096];
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) return;
      pending.assign(buffer, static_cast<size_t>(n));
    }
  });
  proxy_.Publish(
      Config({Host("", {PrefixRoute("r", "/", {MakeBackend("ns/ws:80", {websocket.port()})})})}));
  RawClient client(proxy_.port());
  ASSERT_TRUE(client.Send(Get("/chat", "x",
                              "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n")));
  auto switching = client.ReadResponse();
  ASSERT_TRUE(switching);
  EXPECT_EQ(switching->result_int(), 101);
  EXPECT_EQ((*switching)[boost::beast::http::field::upgrade], "websocket");
  EXPECT_TRUE(saw_upgrade.load());
  ASSERT_TRUE(client.ReadAtLeast(12));
  EXPECT_EQ(client.Raw(), "server-first");
  ASSERT_TRUE(client.Send("ping"));
  ASSERT_TRUE(client.ReadAtLeast(9));
  EXPECT_EQ(client.Raw(), "echo:ping");
  client.ShutdownWrite();
  EXPECT_TRUE(client.WaitClosed());
}

}  // namespace
}  // namespace atrium::testing
