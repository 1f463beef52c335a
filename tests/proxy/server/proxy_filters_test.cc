// Route filters through the real proxy, modelled on the Gateway API
// conformance tests (httproute-request-header-modifier, -response-header-
// modifier, -redirect-*, -rewrite-*, -request-mirror, CORS, retry).

#include <atomic>
#include <string>

#include <gtest/gtest.h>

#include "tests/proxy/server/proxy_test_support.h"

namespace atrium::testing {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class ProxyFiltersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_.server().Get(".*",
                           [this](const httplib::Request& request, httplib::Response& response) {
                             ++requests_;
                             std::string body = request.method + " " + request.path;
                             if (!request.params.empty()) body += "?";
                             for (const auto& [key, value] : request.params)
                               body += key + "=" + value;
                             body += "\n";
                             for (const auto& [key, value] : request.headers)
                               body += key + ": " + value + "\n";
                             response.set_header("X-Upstream", "1");
                             response.set_header("X-Drop", "1");
                             response.set_content(body, "text/plain");
                           });
    upstream_.Start();
  }

  ir::Route Route(std::string prefix) {
    return PrefixRoute("r" + prefix, prefix, {MakeBackend("ns/up:80", {upstream_.port()})});
  }

  std::optional<Response> Fetch(const std::string& request) {
    RawClient client(proxy_.port());
    EXPECT_TRUE(client.Send(request));
    return client.ReadResponse();
  }

  std::atomic<int> requests_{0};
  HttpUpstream upstream_;
  ProxyHarness proxy_;
};

TEST_F(ProxyFiltersTest, RequestAndResponseHeaderModifiers) {
  ir::Route route = Route("/");
  route.filters.request_headers =
      ir::HeaderModifier{{{"X-Set", "set-value"}}, {{"X-Add", "added"}}, {"X-Remove"}};
  route.filters.response_headers =
      ir::HeaderModifier{{{"X-Response-Set", "yes"}}, {{"X-Upstream", "again"}}, {"X-Drop"}};
  proxy_.Publish(Config({Host("", {route})}));
  auto response = Fetch(Get("/", "x", "X-Set: client\r\nX-Add: client\r\nX-Remove: bye\r\n"));
  ASSERT_TRUE(response);
  const std::string& body = response->body();
  EXPECT_TRUE(Contains(body, "X-Set: set-value\n")) << body;
  EXPECT_FALSE(Contains(body, "X-Set: client")) << body;
  EXPECT_TRUE(Contains(body, "X-Add: client\n")) << body;
  EXPECT_TRUE(Contains(body, "X-Add: added\n")) << body;
  EXPECT_FALSE(Contains(body, "X-Remove")) << body;
  EXPECT_EQ((*response)["X-Response-Set"], "yes");
  EXPECT_EQ(response->count("X-Upstream"), 2u);
  EXPECT_EQ(response->count("X-Drop"), 0u);
}

TEST_F(ProxyFiltersTest, RequestRedirect) {
  ir::Route route = Route("/old");
  ir::RequestRedirect redirect;
  redirect.scheme = "https";
  redirect.hostname = "new.example.com";
  redirect.port = 0;
  redirect.path = {ir::PathModifierKind::kReplacePrefixMatch, "/new"};
  redirect.status_code = 301;
  route.filters.redirect = redirect;
  proxy_.Publish(Config({Host("", {route})}));
  auto response = Fetch(Get("/old/page?a=1", "example.com:8080"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 301);
  EXPECT_EQ((*response)[boost::beast::http::field::location],
            "https://new.example.com/new/page?a=1");
  EXPECT_EQ(requests_.load(), 0);
}

TEST_F(ProxyFiltersTest, UrlRewriteHostnameAndPath) {
  ir::Route route = Route("/prefix/one");
  route.filters.rewrite =
      ir::UrlRewrite{"rewritten.example.com", {ir::PathModifierKind::kReplacePrefixMatch, "/one"}};
  ir::Route full = Route("/full");
  full.filters.rewrite =
      ir::UrlRewrite{std::nullopt, {ir::PathModifierKind::kReplaceFullPath, "/replaced"}};
  proxy_.Publish(Config({Host("", {route, full})}));
  auto response = Fetch(Get("/prefix/one/two?q=1", "original.example.com"));
  ASSERT_TRUE(response);
  EXPECT_TRUE(Contains(response->body(), "GET /one/two?q=1\n")) << response->body();
  EXPECT_TRUE(Contains(response->body(), "Host: rewritten.example.com\n")) << response->body();
  EXPECT_TRUE(Contains(response->body(), "X-Forwarded-Host: original.example.com\n"))
      << response->body();
  response = Fetch(Get("/full/anything", "x"));
  ASSERT_TRUE(response);
  EXPECT_TRUE(Contains(response->body(), "GET /replaced\n")) << response->body();
}

TEST_F(ProxyFiltersTest, CorsPreflightAndActualRequest) {
  ir::Route route = Route("/");
  ir::Cors cors;
  cors.allow_origins = {"https://*.example.com"};
  cors.allow_methods = {"GET", "POST"};
  cors.allow_headers = {"X-Custom"};
  cors.expose_headers = {"X-Upstream"};
  cors.max_age_seconds = 300;
  route.filters.cors = cors;
  proxy_.Publish(Config({Host("", {route})}));
  auto preflight = Fetch(
      "OPTIONS /resource HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n"
      "Access-Control-Request-Method: POST\r\n\r\n");
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->result_int(), 200);
  EXPECT_EQ((*preflight)["Access-Control-Allow-Origin"], "https://app.example.com");
  EXPECT_EQ((*preflight)["Access-Control-Allow-Methods"], "GET, POST");
  EXPECT_EQ((*preflight)["Access-Control-Max-Age"], "300");
  EXPECT_EQ(requests_.load(), 0);  // answered by the proxy

  auto actual = Fetch(Get("/resource", "x", "Origin: https://app.example.com\r\n"));
  ASSERT_TRUE(actual);
  EXPECT_EQ((*actual)["Access-Control-Allow-Origin"], "https://app.example.com");
  EXPECT_EQ((*actual)["Access-Control-Expose-Headers"], "X-Upstream");
  auto other = Fetch(Get("/resource", "x", "Origin: https://evil.test\r\n"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->count("Access-Control-Allow-Origin"), 0u);
}

TEST_F(ProxyFiltersTest, RetryOnListedStatus) {
  std::atomic<int> calls{0};
  RawUpstream flaky([&](int fd) {
    std::string leftover;
    while (ReadHead(fd, &leftover)) {
      if (++calls < 3) {
        SendAll(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
      } else {
        SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    }
  });
  ir::Route route = PrefixRoute("retry", "/", {MakeBackend("ns/flaky:80", {flaky.port()})});
  route.retry = ir::Retry{{503}, 2, 10};
  proxy_.Publish(Config({Host("", {route})}));
  auto response = Fetch(Get("/"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(calls.load(), 3);

  // Out of attempts: the last answer is relayed.
  calls = -10;
  response = Fetch(Get("/"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 503);
}

TEST_F(ProxyFiltersTest, RequestMirrorGetsACopy) {
  std::atomic<int> mirrored{0};
  std::atomic<bool> saw_path{false};
  RawUpstream mirror([&](int fd) {
    std::string leftover;
    auto head = ReadHead(fd, &leftover);
    if (!head) return;
    saw_path = head->rfind("GET /mirrored HTTP/1.1\r\n", 0) == 0;
    ++mirrored;
    SendAll(fd, "HTTP/1.1 500 Ignored\r\nContent-Length: 0\r\n\r\n");
  });
  ir::Route route = Route("/");
  ir::RequestMirror copy;
  copy.backend_name = "ns/mirror:80";
  copy.endpoints = {{"127.0.0.1", mirror.port(), true}};
  route.filters.mirrors.push_back(copy);
  proxy_.Publish(Config({Host("", {route})}));
  auto response = Fetch(Get("/mirrored"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);  // the mirror's 500 is discarded
  EXPECT_TRUE(WaitFor([&] { return mirrored.load() == 1; }));
  EXPECT_TRUE(saw_path.load());
}

}  // namespace
}  // namespace atrium::testing
