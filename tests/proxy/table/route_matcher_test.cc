#include "proxy/table/route_matcher.h"

#include "proxy/table/regex_check.h"

#include <gtest/gtest.h>

namespace atrium::table {
namespace {

struct PrefixCase {
  const char* prefix;
  const char* path;
  bool matches;
};

class PathMatchesPrefixTest : public testing::TestWithParam<PrefixCase> {};

TEST_P(PathMatchesPrefixTest, ElementWise) {
  const PrefixCase& c = GetParam();
  EXPECT_EQ(PathMatchesPrefix(c.prefix, c.path), c.matches) << c.prefix << " vs " << c.path;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PathMatchesPrefixTest,
    testing::Values(PrefixCase{"/", "/anything", true}, PrefixCase{"/foo", "/foo", true},
                    PrefixCase{"/foo", "/foo/", true}, PrefixCase{"/foo", "/foo/bar", true},
                    PrefixCase{"/foo", "/foobar", false}, PrefixCase{"/foo/", "/foo", true},
                    PrefixCase{"/foo/", "/foo/bar", true}, PrefixCase{"/foo/", "/foobar", false},
                    PrefixCase{"/aaa/bb", "/aaa/bbb", false},
                    PrefixCase{"/aaa/bbb", "/aaa/bbbxyz", false}, PrefixCase{"/foo", "/", false},
                    PrefixCase{"/foo", "/fo", false}));

TEST(FindQueryParamTest, FindsFirstExactName) {
  EXPECT_EQ(FindQueryParam("a=1&b=2&a=3", "a"), "1");
  EXPECT_EQ(FindQueryParam("a=1&b=2", "b"), "2");
  EXPECT_EQ(FindQueryParam("flag&b=2", "flag"), "");
  EXPECT_EQ(FindQueryParam("A=1", "a"), std::nullopt);
  EXPECT_EQ(FindQueryParam("", "a"), std::nullopt);
  EXPECT_EQ(FindQueryParam("ab=1", "a"), std::nullopt);
}

TEST(RouteMatcherTest, InvalidRegexIsAnErrorNotACrash) {
  ir::RouteMatch match;
  match.path = {ir::PathMatchKind::kRegularExpression, "/foo(["};
  std::string error;
  EXPECT_EQ(RouteMatcher::Create(match, &error), nullptr);
  EXPECT_NE(error.find("invalid regular expression"), std::string::npos) << error;

  ir::RouteMatch header_match;
  header_match.headers.push_back({ir::ValueMatchKind::kRegularExpression, "x", "(("});
  error.clear();
  EXPECT_EQ(RouteMatcher::Create(header_match, &error), nullptr);
  EXPECT_FALSE(error.empty());
}

TEST(RouteMatcherTest, RegexIsAnchoredOnTheWholePath) {
  ir::RouteMatch match;
  match.path = {ir::PathMatchKind::kRegularExpression, "/v[0-9]+/items"};
  std::string error;
  auto matcher = RouteMatcher::Create(match, &error);
  ASSERT_NE(matcher, nullptr) << error;
  RequestView view;
  view.path = "/v2/items";
  EXPECT_TRUE(matcher->Matches(view));
  view.path = "/v2/items/extra";
  EXPECT_FALSE(matcher->Matches(view));
  view.path = "/prefix/v2/items";
  EXPECT_FALSE(matcher->Matches(view));
  EXPECT_FALSE(matcher->IsPathOnly());
}

// RegexError agrees with what RouteMatcher::Create accepts.
TEST(RegexErrorTest, AcceptsWhatTheMatcherCompiles) {
  for (const char* pattern : {"", "/v[0-9]+/items", "(?i)/API/.*", "a|b"}) {
    EXPECT_EQ(RegexError(pattern), "") << pattern;
    ir::RouteMatch match;
    match.path = {ir::PathMatchKind::kRegularExpression, pattern};
    std::string error;
    EXPECT_NE(RouteMatcher::Create(match, &error), nullptr) << pattern << ": " << error;
  }
  for (const char* pattern : {"(unclosed", "[z-a]", "a{2,1}", "trailing\\"}) {
    EXPECT_NE(RegexError(pattern), "") << pattern;
    ir::RouteMatch match;
    match.path = {ir::PathMatchKind::kRegularExpression, pattern};
    std::string error;
    EXPECT_EQ(RouteMatcher::Create(match, &error), nullptr) << pattern;
  }
}

}  // namespace
}  // namespace atrium::table
