// Handshakes on several threads while the writer rotates the certificate
// again and again: every handshake completes with one of the two
// certificates (never a torn or freed one), existing connections keep
// serving, and the last published certificate is what a new handshake gets.
// Built under TSan by `make test` (label "concurrency").

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tls_test_support.h"

namespace atrium::testing {
namespace {

ir::RouteConfig Rotation(const TestCertificate& certificate) {
  ir::RouteConfig config;
  config.listeners.push_back(
      TlsListener("127.0.0.1", {IrCertificate(certificate, {"a.example.com"})}, {}));
  return config;
}

TEST(TlsConcurrencyTest, HandshakesDuringRotation) {
  TestCertificate one = MakeCertificate({"one", {"a.example.com"}});
  TestCertificate two = MakeCertificate({"two", {"a.example.com"}});
  TlsHarness harness;
  ASSERT_TRUE(harness.Publish(Rotation(one)).empty());
  const uint16_t port = harness.Port("127.0.0.1");
  ASSERT_NE(port, 0);

  // A connection that stays open across every rotation.
  TlsClient long_lived;
  ASSERT_TRUE(long_lived.Connect(port, {.server_name = "a.example.com"}));

  constexpr int kClients = 3;
  constexpr int kHandshakes = 15;
  std::atomic<int> running{kClients};
  std::atomic<int> failures{0};
  std::atomic<int> saw_one{0};
  std::atomic<int> saw_two{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < kHandshakes; ++i) {
        TlsClient client;
        if (!client.Connect(port, {.server_name = "a.example.com"})) {
          ++failures;
          continue;
        }
        std::string name = client.PeerCommonName();
        if (name == "one") {
          ++saw_one;
        } else if (name == "two") {
          ++saw_two;
        } else {
          ++failures;
        }
        std::optional<TlsResponse> response = client.Get("/", "a.example.com");
        if (!response || response->result_int() != 404) ++failures;
      }
      --running;
    });
  }
  // The writer publishes while the clients run (at least a few times).
  int publishes = 0;
  while (running.load() > 0 || publishes < 4) {
    ASSERT_TRUE(harness.Publish(Rotation(publishes % 2 == 0 ? two : one)).empty());
    ++publishes;
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(saw_one.load() + saw_two.load(), kClients * kHandshakes);

  ASSERT_TRUE(harness.Publish(Rotation(two)).empty());
  TlsClient last;
  ASSERT_TRUE(last.Connect(port, {.server_name = "a.example.com"}));
  EXPECT_EQ(last.PeerCommonName(), "two");
  EXPECT_EQ(long_lived.PeerCommonName(), "one");
  std::optional<TlsResponse> response = long_lived.Get("/", "a.example.com");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 404);
}

}  // namespace
}  // namespace atrium::testing
