#include "proxy/http/filters.h"

#include <ostream>

#include <gtest/gtest.h>

namespace atrium::http {
namespace {

TEST(ApplyHeaderModifierTest, SetAddRemoveInThatOrder) {
  Fields fields;
  fields.insert("X-Set", "old");
  fields.insert("X-Add", "one");
  fields.insert("X-Gone", "1");
  ir::HeaderModifier modifier;
  modifier.set = {{"x-set", "new"}, {"X-New", "n"}};
  modifier.add = {{"X-Add", "two"}};
  modifier.remove = {"x-gone", "X-Absent"};
  ApplyHeaderModifier(fields, modifier);
  EXPECT_EQ(fields["X-Set"], "new");
  EXPECT_EQ(fields.count("X-Set"), 1u);
  EXPECT_EQ(fields["X-New"], "n");
  EXPECT_EQ(fields.count("X-Add"), 2u);
  EXPECT_EQ(fields.count("X-Gone"), 0u);
}

struct PrefixCase {
  std::string path, prefix, replacement, expected;
};

void PrintTo(const PrefixCase& c, std::ostream* os) {
  *os << c.path << " " << c.prefix << " -> " << c.replacement;
}

class ReplacePathPrefixTest : public ::testing::TestWithParam<PrefixCase> {};

TEST_P(ReplacePathPrefixTest, FollowsGatewayApiSlashRules) {
  const auto& c = GetParam();
  EXPECT_EQ(ReplacePathPrefix(c.path, c.prefix, c.replacement), c.expected)
      << c.path << " " << c.prefix << " -> " << c.replacement;
}

// Cases from the Gateway API HTTPPathModifier documentation and the
// httproute-rewrite-path conformance test.
INSTANTIATE_TEST_SUITE_P(
    Cases, ReplacePathPrefixTest,
    ::testing::Values(PrefixCase{"/foo/bar", "/foo", "/xyz", "/xyz/bar"},
                      PrefixCase{"/foo/bar", "/foo", "/xyz/", "/xyz/bar"},
                      PrefixCase{"/foo/bar", "/foo/", "/xyz", "/xyz/bar"},
                      PrefixCase{"/foo/bar", "/foo/", "/xyz/", "/xyz/bar"},
                      PrefixCase{"/foo", "/foo", "/xyz", "/xyz"},
                      PrefixCase{"/foo/", "/foo", "/xyz", "/xyz/"},
                      PrefixCase{"/foo/bar", "/foo", "", "/bar"},
                      PrefixCase{"/foo/", "/foo", "", "/"}, PrefixCase{"/foo", "/foo", "", "/"},
                      PrefixCase{"/foo/", "/foo", "/", "/"}, PrefixCase{"/foo", "/foo", "/", "/"},
                      PrefixCase{"/prefix/one/two", "/prefix/one", "/one", "/one/two"},
                      PrefixCase{"/strip-prefix/three", "/strip-prefix", "/", "/three"},
                      PrefixCase{"/anything", "/", "/new", "/new/anything"}));

TEST(RewritePathTest, FullPathAndNone) {
  ir::PathMatch matched{ir::PathMatchKind::kPrefix, "/full"};
  EXPECT_EQ(RewritePath("/full/path", {ir::PathModifierKind::kReplaceFullPath, "/one"}, matched),
            "/one");
  EXPECT_EQ(RewritePath("/full/path", {ir::PathModifierKind::kNone, ""}, matched), "/full/path");
}

TEST(RedirectLocationTest, SchemeHostPortPathAndQuery) {
  ir::PathMatch matched{ir::PathMatchKind::kPrefix, "/old"};
  RedirectRequest request{"http", "Example.com:8080", "/old/page", "a=1"};
  ir::RequestRedirect redirect;
  EXPECT_EQ(RedirectLocation(redirect, request, matched), "http://Example.com/old/page?a=1");
  redirect.scheme = "https";
  redirect.hostname = "new.example.com";
  redirect.port = 8443;
  redirect.path = {ir::PathModifierKind::kReplacePrefixMatch, "/new"};
  EXPECT_EQ(RedirectLocation(redirect, request, matched),
            "https://new.example.com:8443/new/page?a=1");
  RedirectRequest v6{"http", "[::1]:80", "/", ""};
  EXPECT_EQ(RedirectLocation(ir::RequestRedirect{}, v6, matched), "http://[::1]/");
}

TEST(CorsTest, OriginMatching) {
  ir::Cors cors;
  cors.allow_origins = {"https://exact.example.com", "https://*.wild.example.com"};
  EXPECT_TRUE(CorsOriginAllowed(cors, "https://exact.example.com"));
  EXPECT_TRUE(CorsOriginAllowed(cors, "https://a.wild.example.com"));
  EXPECT_TRUE(CorsOriginAllowed(cors, "https://a.b.wild.example.com"));
  EXPECT_FALSE(CorsOriginAllowed(cors, "https://wild.example.com"));
  EXPECT_FALSE(CorsOriginAllowed(cors, "http://a.wild.example.com"));
  EXPECT_FALSE(CorsOriginAllowed(cors, "https://other.example.com"));
  EXPECT_FALSE(CorsOriginAllowed(cors, ""));
  cors.allow_origins = {"*"};
  EXPECT_TRUE(CorsOriginAllowed(cors, "https://any.example"));
}

TEST(CorsTest, PreflightAnswer) {
  ir::Cors cors;
  cors.allow_origins = {"https://app.example.com"};
  cors.allow_methods = {"GET", "PUT"};
  cors.allow_headers = {"X-Custom"};
  cors.allow_credentials = true;
  cors.max_age_seconds = 600;
  RequestHeader request;
  request.method(bhttp::verb::options);
  request.target("/");
  request.set(bhttp::field::origin, "https://app.example.com");
  request.set(bhttp::field::access_control_request_method, "PUT");
  ASSERT_TRUE(IsCorsPreflight(request));
  LocalResponse response;
  MakeCorsPreflightResponse(response, cors, request, "");
  EXPECT_EQ(response.result_int(), 200);  // the conformance suite requires 200
  EXPECT_EQ(response[bhttp::field::access_control_allow_origin], "https://app.example.com");
  EXPECT_EQ(response[bhttp::field::access_control_allow_methods], "GET, PUT");
  EXPECT_EQ(response[bhttp::field::access_control_allow_headers], "X-Custom");
  EXPECT_EQ(response[bhttp::field::access_control_allow_credentials], "true");
  EXPECT_EQ(response[bhttp::field::access_control_max_age], "600");

  request.set(bhttp::field::origin, "https://evil.example.com");
  MakeCorsPreflightResponse(response, cors, request, "");
  EXPECT_EQ(response.count(bhttp::field::access_control_allow_origin), 0u);
}

// A "*" in allowMethods / allowHeaders answers with what the preflight
// asked for (conformance HTTPRouteCORS, cors-wildcard-* routes); expose
// headers are listed in the preflight answer too.
TEST(CorsTest, PreflightWildcardsEchoTheRequest) {
  ir::Cors cors;
  cors.allow_origins = {"*"};
  cors.allow_methods = {"*"};
  cors.allow_headers = {"*"};
  cors.expose_headers = {"x-header-3", "x-header-4"};
  RequestHeader request;
  request.method(bhttp::verb::options);
  request.target("/");
  request.set(bhttp::field::origin, "https://foobar.com:12345");
  request.set(bhttp::field::access_control_request_method, "PUT");
  request.set(bhttp::field::access_control_request_headers, "x-a, x-b");
  LocalResponse response;
  MakeCorsPreflightResponse(response, cors, request, "");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ(response[bhttp::field::access_control_allow_methods], "PUT");
  EXPECT_EQ(response[bhttp::field::access_control_allow_headers], "x-a, x-b");
  EXPECT_EQ(response[bhttp::field::access_control_expose_headers], "x-header-3, x-header-4");
  EXPECT_EQ(response.count(bhttp::field::access_control_allow_credentials), 0u);
}

TEST(CorsTest, ActualResponseHeaders) {
  ir::Cors cors;
  cors.allow_origins = {"*"};
  cors.expose_headers = {"X-Total"};
  Fields response;
  AddCorsResponseHeaders(response, cors, "https://app.example.com");
  EXPECT_EQ(response[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ(response[bhttp::field::access_control_expose_headers], "X-Total");
}

}  // namespace
}  // namespace atrium::http
