#include "proxy/http/path_normalization.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "controller/ir/path_normal_form.h"

namespace atrium::http {
namespace {

// Normal is the normal form of path ("" when malformed).
std::string Normal(std::string_view path) {
  ir::NormalizedPath result = ir::NormalizePath(path);
  if (result.malformed) return "";
  return result.changed ? *result.changed : std::string(path);
}

TEST(PathNormalizationTest, NormalPathsAreLeftAlone) {
  for (std::string_view path : {"/", "/a", "/a/b/", "/a/b.c", "/a/.b/..c/...", "/~user", "/a%2Fb",
                                "/a%20b", "/..a", "/a..", "/a/b.."}) {
    ir::NormalizedPath result = ir::NormalizePath(path);
    EXPECT_FALSE(result.malformed) << path;
    EXPECT_FALSE(result.changed) << path << " -> " << *result.changed;
  }
}

// RFC 3986 §5.2.4 and §5.4 (the absolute-path examples).
TEST(PathNormalizationTest, RemovesDotSegments) {
  EXPECT_EQ(Normal("/a/b/c/./../../g"), "/a/g");
  EXPECT_EQ(Normal("/./a"), "/a");
  EXPECT_EQ(Normal("/a/./b"), "/a/b");
  EXPECT_EQ(Normal("/a/b/.."), "/a/");
  EXPECT_EQ(Normal("/a/b/."), "/a/b/");
  EXPECT_EQ(Normal("/a/.."), "/");
  EXPECT_EQ(Normal("/.."), "/");
  EXPECT_EQ(Normal("/."), "/");
  EXPECT_EQ(Normal("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(Normal("/api/../admin"), "/admin");
  EXPECT_EQ(Normal("/x/../api/users"), "/api/users");
}

TEST(PathNormalizationTest, MergesSlashes) {
  EXPECT_EQ(Normal("/a//b"), "/a/b");
  EXPECT_EQ(Normal("//a"), "/a");
  EXPECT_EQ(Normal("/a///b//"), "/a/b/");
  EXPECT_EQ(Normal("//"), "/");
}

TEST(PathNormalizationTest, DecodesUnreservedAndUppercasesOtherEscapes) {
  EXPECT_EQ(Normal("/%7Euser"), "/~user");
  EXPECT_EQ(Normal("/%41%62%2D%5f%30"), "/Ab-_0");
  // An encoded slash is data, not a separator: kept encoded.
  EXPECT_EQ(Normal("/a%2fb"), "/a%2Fb");
  EXPECT_EQ(Normal("/a%2f..%2fb"), "/a%2F..%2Fb");
  EXPECT_EQ(Normal("/a%3fb%e2%82%ac"), "/a%3Fb%E2%82%AC");
}

// Encoded dots are dot segments once decoded: the same request as "..".
TEST(PathNormalizationTest, EncodedDotSegmentsAreRemoved) {
  EXPECT_EQ(Normal("/api/%2e%2e/admin"), "/admin");
  EXPECT_EQ(Normal("/api/%2E./admin"), "/admin");
  EXPECT_EQ(Normal("/api/.%2e/admin"), "/admin");
  EXPECT_EQ(Normal("/api/%2e/users"), "/api/users");
}

TEST(PathNormalizationTest, MalformedEscapesAreRejected) {
  for (std::string_view path : {"/%", "/a%2", "/a%zz", "/a%2g/b", "/%%41"}) {
    EXPECT_TRUE(ir::NormalizePath(path).malformed) << path;
  }
}

// Every path made of slashes, dots, escapes and letters: the normal form is
// normal (normalizing it again changes nothing) and holds no empty or dot
// segment and no escape of an unreserved character.
TEST(PathNormalizationTest, TheNormalFormIsNormal) {
  constexpr std::string_view kAlphabet = "/.a%2eF";
  std::mt19937 random(20261203);
  int checked = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string path = "/";
    const size_t length = random() % 12;
    for (size_t i = 0; i < length; ++i) path.push_back(kAlphabet[random() % kAlphabet.size()]);
    ir::NormalizedPath once = ir::NormalizePath(path);
    if (once.malformed) continue;
    ++checked;
    const std::string normal = once.changed ? *once.changed : path;
    ir::NormalizedPath twice = ir::NormalizePath(normal);
    EXPECT_FALSE(twice.malformed) << path;
    EXPECT_FALSE(twice.changed) << path << " -> " << normal << " -> " << *twice.changed;
    EXPECT_EQ(normal.front(), '/') << path;
    EXPECT_EQ(normal.find("//"), std::string::npos) << path << " -> " << normal;
    EXPECT_EQ(normal.find("%2e"), std::string::npos) << path << " -> " << normal;
    EXPECT_EQ(normal.find("%2E"), std::string::npos) << path << " -> " << normal;
    for (std::string_view dot : {"/./", "/../"}) {
      EXPECT_EQ((normal + "/").find(dot), std::string::npos) << path << " -> " << normal;
    }
  }
  EXPECT_GT(checked, 1000);
}

RequestHeader Request(std::string_view target, std::string_view host) {
  RequestHeader header;
  header.method(bhttp::verb::get);
  header.target(target);
  header.version(11);
  header.set(bhttp::field::host, host);
  return header;
}

TEST(NormalizeRequestPathTest, RewritesTheTargetAndKeepsTheQuery) {
  RequestHeader header = Request("/api/../admin//x?q=/../&b=%2e", "example.com");
  RequestFacts facts;
  ASSERT_TRUE(ValidateRequest(header, &facts).ok());
  ASSERT_TRUE(NormalizeRequestPath(header, &facts).ok());
  EXPECT_EQ(header.target(), "/admin/x?q=/../&b=%2e");
  EXPECT_EQ(facts.target.path, "/admin/x");
  EXPECT_EQ(facts.target.query, "q=/../&b=%2e");
  EXPECT_EQ(facts.host, "example.com");
}

TEST(NormalizeRequestPathTest, AbsoluteFormKeepsItsAuthorityAsTheHost) {
  RequestHeader header = Request("http://example.com:8080/a/./b", "example.com:8080");
  RequestFacts facts;
  ASSERT_TRUE(ValidateRequest(header, &facts).ok());
  ASSERT_TRUE(NormalizeRequestPath(header, &facts).ok());
  EXPECT_EQ(header.target(), "http://example.com:8080/a/b");
  EXPECT_EQ(facts.target.form, TargetForm::kAbsolute);
  EXPECT_EQ(facts.target.path, "/a/b");
  EXPECT_EQ(facts.host, "example.com:8080");
}

TEST(NormalizeRequestPathTest, NormalTargetsAndAsteriskAreUntouched) {
  RequestHeader header = Request("/a/b?x=1", "example.com");
  RequestFacts facts;
  ASSERT_TRUE(ValidateRequest(header, &facts).ok());
  ASSERT_TRUE(NormalizeRequestPath(header, &facts).ok());
  EXPECT_EQ(header.target(), "/a/b?x=1");

  RequestHeader options = Request("*", "example.com");
  options.method(bhttp::verb::options);
  ASSERT_TRUE(ValidateRequest(options, &facts).ok());
  ASSERT_TRUE(NormalizeRequestPath(options, &facts).ok());
  EXPECT_EQ(options.target(), "*");
}

TEST(NormalizeRequestPathTest, MalformedEscapeIs400) {
  RequestHeader header = Request("/a%zz", "example.com");
  RequestFacts facts;
  ASSERT_TRUE(ValidateRequest(header, &facts).ok());
  Verdict verdict = NormalizeRequestPath(header, &facts);
  EXPECT_EQ(verdict.status, 400);
}

}  // namespace
}  // namespace atrium::http
