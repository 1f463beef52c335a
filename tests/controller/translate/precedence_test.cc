#include "controller/translate/precedence.h"

#include <gtest/gtest.h>

#include "base/time_format.h"

namespace atrium::translate {
namespace {

PrecedenceKey Key(ir::PathMatchKind kind, std::string path) {
  PrecedenceKey key;
  ir::RouteMatch match;
  match.path = {kind, std::move(path)};
  SetMatchPrecedence(match, key);
  return key;
}

TEST(PrecedenceTest, OrdersByEachCriterionInTurn) {
  using K = ir::PathMatchKind;
  // Each pair: the first takes precedence over the second.
  struct Case {
    std::string what;
    PrecedenceKey first;
    PrecedenceKey second;
  };
  std::vector<Case> cases;
  {
    PrecedenceKey a = Key(K::kPrefix, "/"), b = Key(K::kPrefix, "/");
    SetHostPrecedence("foo.example.com", a);
    SetHostPrecedence("*.example.com", b);
    cases.push_back({"non-wildcard hostname chars", a, b});
  }
  {
    // HTTPRouteMatchingAcrossRoutes: the path decides before the hostname.
    PrecedenceKey a = Key(K::kPrefix, "/v2"), b = Key(K::kPrefix, "/");
    SetHostPrecedence("*.com", a);
    SetHostPrecedence("example.com", b);
    cases.push_back({"path before hostname chars", a, b});
  }
  cases.push_back({"Exact before Prefix", Key(K::kExact, "/a"), Key(K::kPrefix, "/a/b/c")});
  cases.push_back({"Exact before regex", Key(K::kExact, "/a"), Key(K::kRegularExpression, "/.*")});
  cases.push_back(
      {"regex before Prefix", Key(K::kRegularExpression, "/a"), Key(K::kPrefix, "/b/c")});
  cases.push_back({"longer Prefix", Key(K::kPrefix, "/aaa/bbb"), Key(K::kPrefix, "/aaa")});
  cases.push_back({"longer Exact", Key(K::kExact, "/aaa/bbb"), Key(K::kExact, "/aaa")});
  cases.push_back({"Exact before equal Prefix with trailing slash", Key(K::kExact, "/foo"),
                   Key(K::kPrefix, "/foo/")});
  {
    PrecedenceKey a = Key(K::kPrefix, "/"), b = Key(K::kPrefix, "/");
    a.has_method = true;
    b.header_count = 5;
    cases.push_back({"method before headers", a, b});
  }
  {
    PrecedenceKey a = Key(K::kPrefix, "/"), b = Key(K::kPrefix, "/");
    a.header_count = 2;
    b.header_count = 1;
    b.query_count = 5;
    cases.push_back({"more headers before queries", a, b});
  }
  {
    PrecedenceKey a = Key(K::kPrefix, "/"), b = Key(K::kPrefix, "/");
    a.query_count = 1;
    cases.push_back({"more queries", a, b});
  }
  {
    PrecedenceKey a = Key(K::kPrefix, "/"), b = Key(K::kPrefix, "/");
    a.gateway_rank = 0;
    b.gateway_rank = 1;
    a.creation_time = *base::ParseTime("2024-02-01T00:00:00Z");
    b.creation_time = *base::ParseTime("2024-01-01T00:00:00Z");
    cases.push_back({"older Gateway before older route", a, b});
  }
  {
    PrecedenceKey a = Key(K::kPrefix, "/"), b = Key(K::kPrefix, "/");
    a.creation_time = *base::ParseTime("2024-01-01T00:00:00Z");
    b.creation_time = *base::ParseTime("2024-01-02T00:00:00Z");
    a.ns = "z";
    cases.push_back({"oldest route", a, b});
  }
  {
    PrecedenceKey a = Key(K::kPrefix, "/"), b = Key(K::kPrefix, "/");
    a.ns = "a";
    a.name = "z";
    b.ns = "b";
    b.name = "a";
    cases.push_back({"namespace/name", a, b});
  }
  {
    PrecedenceKey a = Key(K::kPrefix, "/"), b = Key(K::kPrefix, "/");
    a.rule_index = 0;
    a.match_index = 3;
    b.rule_index = 1;
    cases.push_back({"rule order", a, b});
  }
  {
    PrecedenceKey a = Key(K::kPrefix, "/"), b = Key(K::kExact, "/x");
    SetHostPrecedence("a.example.com", b);
    b.fallback = true;
    cases.push_back({"default backend last", a, b});
  }
  for (const Case& c : cases) {
    EXPECT_TRUE(Before(c.first, c.second)) << c.what;
    EXPECT_FALSE(Before(c.second, c.first)) << c.what;
  }
  PrecedenceKey same = Key(K::kPrefix, "/");
  EXPECT_FALSE(Before(same, same));
}

TEST(PrecedenceTest, NormalizedPrefix) {
  EXPECT_EQ(NormalizedPrefix("/"), "/");
  EXPECT_EQ(NormalizedPrefix("/foo/"), "/foo");
  EXPECT_EQ(NormalizedPrefix("/foo//"), "/foo");
  EXPECT_EQ(NormalizedPrefix("/foo"), "/foo");
}

}  // namespace
}  // namespace atrium::translate
