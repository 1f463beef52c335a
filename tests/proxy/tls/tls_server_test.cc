// TLS termination end to end on loopback: SNI for several hosts, wildcard
// and default certificates, versions, ALPN, session resumption, handshake
// timeout, rotation while a connection stays open, and HTTP -> HTTPS
// redirects.

#include <unistd.h>

#include <gtest/gtest.h>

#include "../server/proxy_test_support.h"
#include "tls_test_support.h"

namespace atrium::testing {
namespace {

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_.server().Get(".*", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content("proto=" + request.get_header_value("X-Forwarded-Proto") +
                               " host=" + request.get_header_value("Host"),
                           "text/plain");
    });
    upstream_.Start();
    default_ = MakeCertificate({"default", {"default.example.com"}});
    a_ = MakeCertificate({"a", {"a.example.com"}});
    b_ = MakeCertificate({"b", {"b.example.com"}});
    wild_ = MakeCertificate({"wild", {"*.wild.example.com"}});
  }

  ir::RouteConfig TlsConfig(const TestCertificate& a) {
    ir::RouteConfig config;
    config.listeners.push_back(TlsListener(
        "127.0.0.1",
        {IrCertificate(default_, {"default.example.com"}), IrCertificate(a, {"a.example.com"}),
         IrCertificate(b_, {"b.example.com"}), IrCertificate(wild_, {"*.wild.example.com"})},
        {Host("", {PrefixRoute("all", "/", {MakeBackend("up", {upstream_.port()})})})}));
    return config;
  }

  uint16_t Serve(const ir::RouteConfig& config) {
    EXPECT_TRUE(harness_.Publish(config).empty());
    return harness_.Port("127.0.0.1");
  }

  // CommonNameFor handshakes with server_name and returns the certificate's
  // CN ("" when the handshake fails).
  std::string CommonNameFor(uint16_t port, const std::string& server_name) {
    TlsClient client;
    TlsClientOptions options;
    options.server_name = server_name;
    if (!client.Connect(port, options)) return "";
    return client.PeerCommonName();
  }

  HttpUpstream upstream_;
  TlsHarness harness_;
  TestCertificate default_, a_, b_, wild_;
};

TEST_F(TlsServerTest, SniSelectsTheCertificate) {
  uint16_t port = Serve(TlsConfig(a_));
  ASSERT_NE(port, 0);
  EXPECT_EQ(CommonNameFor(port, "a.example.com"), "a");
  EXPECT_EQ(CommonNameFor(port, "b.example.com"), "b");
  EXPECT_EQ(CommonNameFor(port, "B.Example.Com"), "b");
  EXPECT_EQ(CommonNameFor(port, "x.wild.example.com"), "wild");
  EXPECT_EQ(CommonNameFor(port, "default.example.com"), "default");
  EXPECT_EQ(CommonNameFor(port, "unknown.example.org"), "default");
  EXPECT_EQ(CommonNameFor(port, ""), "default");  // no SNI
}

TEST_F(TlsServerTest, ProxiesHttpsWithForwardedProto) {
  uint16_t port = Serve(TlsConfig(a_));
  TlsClient client;
  TlsClientOptions options;
  options.server_name = "a.example.com";
  ASSERT_TRUE(client.Connect(port, options)) << client.error();
  for (int i = 0; i < 3; ++i) {  // keep-alive: one connection, several requests
    std::optional<TlsResponse> response = client.Get("/x", "a.example.com");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body(), "proto=https host=a.example.com");
  }
}

TEST_F(TlsServerTest, OnlyTls12And13) {
  uint16_t port = Serve(TlsConfig(a_));
  TlsClient tls13;
  ASSERT_TRUE(tls13.Connect(port, {.server_name = "a.example.com"}));
  EXPECT_EQ(tls13.Version(), TLS1_3_VERSION);
  TlsClient tls12;
  ASSERT_TRUE(tls12.Connect(port, {.server_name = "a.example.com", .max_version = TLS1_2_VERSION}));
  EXPECT_EQ(tls12.Version(), TLS1_2_VERSION);
  ASSERT_TRUE(tls12.Get("/", "a.example.com"));

  // A client that could do TLS 1.1 (security level 0 on its side) is
  // refused by the server.
  for (int version : {TLS1_1_VERSION, TLS1_VERSION}) {
    TlsClient legacy;
    EXPECT_FALSE(legacy.Connect(port, {.server_name = "a.example.com",
                                       .min_version = version,
                                       .max_version = version,
                                       .allow_legacy = true}))
        << version;
  }
}

TEST_F(TlsServerTest, AlpnAdvertisesHttp11Only) {
  uint16_t port = Serve(TlsConfig(a_));
  TlsClient both;
  ASSERT_TRUE(both.Connect(port, {.server_name = "a.example.com", .alpn = {"h2", "http/1.1"}}));
  EXPECT_EQ(both.Alpn(), "http/1.1");
  // h2 only: the handshake goes on without ALPN (HTTP/2 comes later).
  TlsClient h2;
  ASSERT_TRUE(h2.Connect(port, {.server_name = "a.example.com", .alpn = {"h2"}}));
  EXPECT_EQ(h2.Alpn(), "");
  TlsClient none;
  ASSERT_TRUE(none.Connect(port, {.server_name = "a.example.com", .alpn = {}}));
  EXPECT_EQ(none.Alpn(), "");
}

TEST_F(TlsServerTest, ResumesSessionsWithTickets) {
  uint16_t port = Serve(TlsConfig(a_));
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SSL_SESSION* session = nullptr;
    {
      TlsClient first;
      ASSERT_TRUE(first.Connect(
          port, {.server_name = "a.example.com", .min_version = version, .max_version = version}));
      ASSERT_TRUE(first.Get("/", "a.example.com"));  // TLS 1.3 tickets arrive after the handshake
      EXPECT_FALSE(first.SessionReused());
      session = first.TakeSession();
    }
    ASSERT_NE(session, nullptr);
    // Several reconnections: they land on either worker, and every worker
    // shares the ticket key.
    for (int i = 0; i < 4; ++i) {
      TlsClient again;
      ASSERT_TRUE(again.Connect(port, {.server_name = "a.example.com",
                                       .min_version = version,
                                       .max_version = version,
                                       .session = session}));
      EXPECT_TRUE(again.SessionReused()) << version;
      ASSERT_TRUE(again.Get("/", "a.example.com"));
    }
    SSL_SESSION_free(session);
  }
}

TEST_F(TlsServerTest, HandshakeTimeoutClosesSilentClients) {
  server::ProxyOptions options = TlsTestOptions();
  options.tls_handshake_timeout = 300ms;
  TlsHarness harness(options);
  ASSERT_TRUE(harness.Publish(TlsConfig(a_)).empty());
  int fd = ConnectRaw("127.0.0.1", harness.Port("127.0.0.1"));
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(WaitPeerClosed(fd, 5s));  // closed by the timeout, long before 5 s
  ::close(fd);
  // Garbage instead of a ClientHello fails the handshake at once.
  fd = ConnectRaw("127.0.0.1", harness.Port("127.0.0.1"));
  ASSERT_GE(fd, 0);
  std::string plain = Get("/", "a.example.com");
  ASSERT_TRUE(SendAll(fd, plain));
  EXPECT_TRUE(WaitPeerClosed(fd, 5s));
  ::close(fd);
  // Counted on the worker's thread after it closed the socket: wait for it.
  EXPECT_TRUE(WaitFor([&] { return harness.stats().Sum().tls_handshake_failures >= 2; }, 5s))
      << harness.stats().Sum().tls_handshake_failures << " handshake failures counted";
}

// Rotation: the Secret behind a.example.com changes. The connection opened
// before keeps its certificate and keeps serving; the next handshake gets
// the new certificate as soon as the table is published.
TEST_F(TlsServerTest, RotationReachesNewHandshakesAndSparesOpenConnections) {
  uint16_t port = Serve(TlsConfig(a_));
  TlsClient before;
  ASSERT_TRUE(before.Connect(port, {.server_name = "a.example.com"}));
  EXPECT_EQ(before.PeerCommonName(), "a");
  ASSERT_TRUE(before.Get("/", "a.example.com"));

  TestCertificate rotated = MakeCertificate({"a-rotated", {"a.example.com"}});
  ASSERT_TRUE(harness_.Publish(TlsConfig(rotated)).empty());
  auto published = std::chrono::steady_clock::now();
  TlsClient after;
  ASSERT_TRUE(after.Connect(port, {.server_name = "a.example.com"}));
  EXPECT_EQ(after.PeerCommonName(), "a-rotated");
  EXPECT_LT(std::chrono::steady_clock::now() - published, 1s);
  // Other hosts are untouched.
  EXPECT_EQ(CommonNameFor(port, "b.example.com"), "b");

  // The old connection is the same TLS session, still serving.
  EXPECT_EQ(before.PeerCommonName(), "a");
  std::optional<TlsResponse> response = before.Get("/again", "a.example.com");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  ASSERT_TRUE(after.Get("/", "a.example.com"));
}

TEST_F(TlsServerTest, BadCertificateLeavesOtherHostsServing) {
  ir::RouteConfig config = TlsConfig(a_);
  // b's Secret now holds a's key: the pair is refused at compile time.
  config.listeners[0].certificates[2].private_key_pem = a_.key_pem;
  std::vector<std::string> errors = harness_.Publish(config);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("b.example.com"), std::string::npos);
  EXPECT_EQ(errors[0].find("PRIVATE"), std::string::npos);
  uint16_t port = harness_.Port("127.0.0.1");
  EXPECT_EQ(CommonNameFor(port, "a.example.com"), "a");
  EXPECT_EQ(CommonNameFor(port, "b.example.com"), "default");
  TlsClient client;
  ASSERT_TRUE(client.Connect(port, {.server_name = "a.example.com"}));
  ASSERT_TRUE(client.Get("/", "a.example.com"));
}

TEST_F(TlsServerTest, HttpAndHttpsListenersSideBySideWithRedirect) {
  ir::RouteConfig config = TlsConfig(a_);
  config.listeners[0].address = "127.0.0.2";
  // The HTTP listener redirects a.example.com to https (what an HTTPRoute
  // RequestRedirect with scheme https and the ssl-redirect annotation
  // translate to: port 0 = the scheme's default) and serves b.example.com.
  ir::Route redirect;
  redirect.name = "redirect";
  redirect.filters.redirect = ir::RequestRedirect{"https", std::nullopt, 0, {}, 308};
  ir::RouteConfig plain = Config(
      {Host("a.example.com", {redirect}),
       Host("b.example.com", {PrefixRoute("b", "/", {MakeBackend("up", {upstream_.port()})})})});
  config.listeners.insert(config.listeners.begin(), plain.listeners[0]);
  ASSERT_TRUE(harness_.Publish(config).empty());
  uint16_t http_port = harness_.Port("127.0.0.1");
  uint16_t https_port = harness_.Port("127.0.0.2");
  ASSERT_NE(http_port, 0);
  ASSERT_NE(https_port, 0);

  RawClient client(http_port);
  ASSERT_TRUE(client.Send(Get("/path?q=1", "a.example.com")));
  std::optional<Response> response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 308);
  EXPECT_EQ((*response)[boost::beast::http::field::location], "https://a.example.com/path?q=1");
  ASSERT_TRUE(client.Send(Get("/", "b.example.com")));
  response = client.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "proto=http host=b.example.com");

  TlsClient tls;
  ASSERT_TRUE(tls.Connect(https_port, {.address = "127.0.0.2", .server_name = "a.example.com"}));
  std::optional<TlsResponse> secure = tls.Get("/path", "a.example.com");
  ASSERT_TRUE(secure);
  EXPECT_EQ(secure->body(), "proto=https host=a.example.com");
}

}  // namespace
}  // namespace atrium::testing
