#include "controller/translate/hostnames.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace atrium::translate {
namespace {

using ir::HostnameKind;

Host Exact(std::string name) { return {HostnameKind::kExact, std::move(name)}; }
Host AnyLabels(std::string name) { return {HostnameKind::kWildcardAnyLabels, std::move(name)}; }
Host OneLabel(std::string name) { return {HostnameKind::kWildcardOneLabel, std::move(name)}; }
Host Any() { return {}; }

TEST(HostnamesTest, ValidDnsNames) {
  struct Case {
    std::string name;
    bool valid;
  };
  const Case cases[] = {
      {"foo.example.com", true}, {"a", true},
      {"a-b.c", true},           {"Foo.example.com", false},
      {"-a.com", false},         {"a-.com", false},
      {"a..com", false},         {".a.com", false},
      {"a.com.", false},         {"", false},
      {"1.2.3.4", false},        {"a_b.com", false},
      {"*.a.com", false},        {std::string(64, 'a') + ".com", false},
  };
  for (const Case& c : cases) EXPECT_EQ(IsValidDnsName(c.name), c.valid) << c.name;
}

TEST(HostnamesTest, ParseKeepsWildcardKindOfEachApi) {
  EXPECT_EQ(ParseGatewayHostname("*.example.com"), AnyLabels("*.example.com"));
  EXPECT_EQ(ParseIngressHost("*.example.com"), OneLabel("*.example.com"));
  EXPECT_EQ(ParseGatewayHostname("foo.example.com"), Exact("foo.example.com"));
  EXPECT_EQ(ParseGatewayHostname("*"), std::nullopt);
  EXPECT_EQ(ParseGatewayHostname("foo.*.com"), std::nullopt);
  EXPECT_EQ(ParseIngressHost("10.0.0.1"), std::nullopt);
}

TEST(HostnamesTest, Covers) {
  struct Case {
    Host outer;
    Host inner;
    bool covers;
  };
  const Case cases[] = {
      {Any(), Exact("a.com"), true},
      {Any(), Any(), true},
      {Exact("a.com"), Any(), false},
      {Exact("a.com"), Exact("a.com"), true},
      {Exact("a.com"), Exact("b.com"), false},
      {AnyLabels("*.example.com"), Exact("foo.example.com"), true},
      {AnyLabels("*.example.com"), Exact("a.b.example.com"), true},
      {AnyLabels("*.example.com"), Exact("example.com"), false},
      {AnyLabels("*.example.com"), Exact("fooexample.com"), false},
      {AnyLabels("*.example.com"), AnyLabels("*.foo.example.com"), true},
      {AnyLabels("*.foo.example.com"), AnyLabels("*.example.com"), false},
      {AnyLabels("*.example.com"), OneLabel("*.example.com"), true},
      {OneLabel("*.example.com"), AnyLabels("*.example.com"), false},
      {OneLabel("*.example.com"), Exact("foo.example.com"), true},
      {OneLabel("*.example.com"), Exact("a.b.example.com"), false},
      {OneLabel("*.example.com"), OneLabel("*.example.com"), true},
      {OneLabel("*.example.com"), OneLabel("*.foo.example.com"), false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Covers(c.outer, c.inner), c.covers) << c.outer.name << " ⊇ " << c.inner.name;
  }
}

// The examples of the HTTPRoute spec.hostnames documentation and the
// GatewayHTTPListenerIsolationWithHostnameIntersection conformance manifest.
TEST(HostnamesTest, IntersectFollowsGatewayApi) {
  struct Case {
    Host listener;
    Host route;
    std::optional<Host> expected;
  };
  const Case cases[] = {
      {Exact("test.example.com"), Exact("test.example.com"), Exact("test.example.com")},
      {Exact("test.example.com"), AnyLabels("*.example.com"), Exact("test.example.com")},
      {Exact("test.example.com"), Exact("other.example.com"), std::nullopt},
      {AnyLabels("*.example.com"), Exact("test.example.com"), Exact("test.example.com")},
      {AnyLabels("*.example.com"), Exact("foo.test.example.com"), Exact("foo.test.example.com")},
      {AnyLabels("*.example.com"), AnyLabels("*.example.com"), AnyLabels("*.example.com")},
      {AnyLabels("*.example.com"), Exact("example.com"), std::nullopt},
      {AnyLabels("*.example.com"), Exact("test.example.net"), std::nullopt},
      {AnyLabels("*.foo.example.com"), AnyLabels("*.example.com"), AnyLabels("*.foo.example.com")},
      {AnyLabels("*.example.com"), AnyLabels("*.foo.example.com"), AnyLabels("*.foo.example.com")},
      {Exact("abc.foo.example.com"), AnyLabels("*.foo.example.com"), Exact("abc.foo.example.com")},
      {Any(), Exact("bar.com"), Exact("bar.com")},
      {Any(), Any(), Any()},
      {Exact("bar.com"), Any(), Exact("bar.com")},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Intersect(c.listener, c.route), c.expected)
        << c.listener.name << " ∩ " << c.route.name;
  }
}

TEST(HostnamesTest, SpecificityOrdersExactWildcardAny) {
  EXPECT_GT(SpecificityOf(Exact("a.example.com")), SpecificityOf(AnyLabels("*.example.com")));
  EXPECT_GT(SpecificityOf(AnyLabels("*.foo.example.com")),
            SpecificityOf(AnyLabels("*.example.com")));
  EXPECT_EQ(SpecificityOf(OneLabel("*.example.com")), SpecificityOf(AnyLabels("*.example.com")));
  EXPECT_GT(SpecificityOf(AnyLabels("*.com")), SpecificityOf(Any()));
}

// Every host that covers another must be among its candidates: the config
// builder relies on it to find covering hosts by lookup.
TEST(HostnamesTest, CoveringCandidatesIncludeEveryCoveringHost) {
  const std::vector<Host> hosts = {
      Any(),
      Exact("a.b.example.com"),
      Exact("b.example.com"),
      Exact("example.com"),
      Exact("com"),
      AnyLabels("*.b.example.com"),
      AnyLabels("*.example.com"),
      AnyLabels("*.com"),
      OneLabel("*.b.example.com"),
      OneLabel("*.example.com"),
      OneLabel("*.com"),
  };
  for (const Host& inner : hosts) {
    std::vector<Host> candidates = CoveringCandidates(inner);
    for (const Host& outer : hosts) {
      if (!Covers(outer, inner)) continue;
      EXPECT_NE(std::find(candidates.begin(), candidates.end(), outer), candidates.end())
          << outer.name << " covers " << inner.name << " but is no candidate";
    }
  }
}

TEST(HostnamesTest, IpAddresses) {
  EXPECT_TRUE(IsIpAddress("10.0.0.1"));
  EXPECT_TRUE(IsIpAddress("::1"));
  EXPECT_TRUE(IsIpAddress("fd00::1"));
  EXPECT_FALSE(IsIpAddress("lb.example.com"));
  EXPECT_FALSE(IsIpAddress("10.0.0"));
  EXPECT_FALSE(IsIpAddress(""));
}

}  // namespace
}  // namespace atrium::translate
