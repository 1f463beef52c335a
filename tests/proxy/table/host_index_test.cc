#include "proxy/table/host_index.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace atrium::table {
namespace {

using HK = ir::HostnameKind;
using Index = HostIndex<int>;

// Found returns the value for host, or -1 when no host applies.
int Found(const Index& index, std::string_view host) {
  const int* value = index.Find(host);
  return value == nullptr ? -1 : *value;
}

struct HostCase {
  std::string name;
  std::vector<Index::Entry> entries;
  std::vector<std::pair<std::string, int>> requests;  // Host header -> expected value
};

class HostIndexCaseTest : public testing::TestWithParam<HostCase> {};

TEST_P(HostIndexCaseTest, PicksTheMostSpecificHost) {
  const HostCase& c = GetParam();
  Index index(c.entries);
  for (const auto& [host, expected] : c.requests) {
    EXPECT_EQ(Found(index, host), expected) << "Host: \"" << host << "\"";
  }
}

const std::string kLongHost = std::string(250, 'a') + ".com";  // 254 bytes
const std::string kTooLongHost = std::string(256, 'a');

INSTANTIATE_TEST_SUITE_P(
    Cases, HostIndexCaseTest,
    testing::Values(HostCase{"Empty", {}, {{"a.example.com", -1}, {"", -1}}},
                    HostCase{"PortsCaseAndTrailingDots",
                             {{HK::kExact, "foo.example.com", 1}},
                             {{"foo.example.com", 1},
                              {"FOO.Example.COM", 1},
                              {"foo.example.com:8080", 1},
                              {"foo.example.com.", 1},
                              {"Foo.Example.Com.:80", 1},
                              {"foo.example.com..", -1},
                              {"foo.example.co", -1},
                              {"xfoo.example.com", -1}}},
                    // Configured names are normalized the same way.
                    HostCase{"ConfiguredNamesAreNormalized",
                             {{HK::kExact, "MiXeD.Example.com.", 1},
                              {HK::kWildcardAnyLabels, "*.WILD.io", 2}},
                             {{"mixed.example.com", 1}, {"a.wild.io", 2}, {"A.B.Wild.IO:443", 2}}},
                    HostCase{"IPv6Literals",
                             {{HK::kExact, "[::1]", 1}, {HK::kExact, "10.0.0.1", 2}},
                             {{"[::1]:8080", 1}, {"[::1]", 1}, {"[::2]", -1}, {"10.0.0.1:80", 2}}},
                    // Ingress "*.example.com" covers exactly one label.
                    HostCase{"WildcardOneLabel",
                             {{HK::kWildcardOneLabel, "*.example.com", 1}},
                             {{"a.example.com", 1},
                              {"A.EXAMPLE.COM:1", 1},
                              {"a.b.example.com", -1},
                              {"example.com", -1},
                              // An empty first label still counts as one (unchanged
                              // from the first implementation).
                              {".example.com", 1},
                              {"aexample.com", -1}}},
                    // Gateway API "*.example.com" covers one or more labels.
                    HostCase{"WildcardAnyLabels",
                             {{HK::kWildcardAnyLabels, "*.example.com", 1}},
                             {{"a.example.com", 1},
                              {"a.b.c.example.com", 1},
                              {"example.com", -1},
                              {"aexample.com", -1}}},
                    // Exact, then the longest wildcard suffix, then the catch-all; a
                    // one-label wildcard beats an any-labels one of the same suffix.
                    HostCase{"Precedence",
                             {{HK::kAny, "", 0},
                              {HK::kExact, "a.example.com", 1},
                              {HK::kWildcardAnyLabels, "*.example.com", 2},
                              {HK::kWildcardOneLabel, "*.example.com", 3},
                              {HK::kWildcardAnyLabels, "*.b.example.com", 4}},
                             {{"a.example.com", 1},
                              {"z.example.com", 3},
                              {"z.y.example.com", 2},
                              {"z.b.example.com", 4},
                              {"x.z.b.example.com", 4},
                              {"b.example.com", 3},
                              {"other.org", 0},
                              {"", 0},
                              {kTooLongHost, 0}}},
                    HostCase{"FirstOfDuplicatesWins",
                             {{HK::kExact, "a.io", 1},
                              {HK::kExact, "A.io", 2},
                              {HK::kAny, "", 3},
                              {HK::kAny, "", 4}},
                             {{"a.io", 1}, {"b.io", 3}}},
                    // An exact host named "" is reachable by requests without a Host,
                    // and by hosts too long to be names.
                    HostCase{"EmptyExactName",
                             {{HK::kExact, "", 1}},
                             {{"", 1}, {":80", 1}, {".", 1}, {kTooLongHost, 1}, {"a", -1}}},
                    HostCase{"LongestLegalName",
                             {{HK::kExact, kLongHost, 1}},
                             {{kLongHost, 1}, {kLongHost + ".", 1}, {kLongHost + ":80", 1}}}),
    [](const testing::TestParamInfo<HostCase>& info) { return info.param.name; });

TEST(HostIndexTest, HostWithoutPortAndHostIndexKey) {
  EXPECT_EQ(HostWithoutPort("a.b:80"), "a.b");
  EXPECT_EQ(HostWithoutPort("a.b."), "a.b");
  EXPECT_EQ(HostWithoutPort("A.B.:80"), "A.B");
  EXPECT_EQ(HostWithoutPort("[::1]:80"), "[::1]");
  EXPECT_EQ(HostWithoutPort("[::1"), "[::1");
  EXPECT_EQ(HostWithoutPort(""), "");
  EXPECT_EQ(HostIndexKey(HK::kExact, "Foo.Example.com:8080"), "foo.example.com");
  EXPECT_EQ(HostIndexKey(HK::kWildcardOneLabel, "*.Example.com"), ".example.com");
  EXPECT_EQ(HostIndexKey(HK::kWildcardAnyLabels, "*.example.com."), ".example.com");
  EXPECT_EQ(HostIndexKey(HK::kAny, "ignored"), "");
}

// LastColon scans a word at a time: compare it with rfind for every length
// around the word boundaries and a colon (or two, or none) at every position,
// next to bytes that differ from ':' in one bit and bytes with the high bit
// set (where a borrow between bytes would show).
TEST(HostIndexTest, LastColonAgreesWithRfind) {
  int checked = 0;
  for (char filler : {'a', ';', '8', '\xba', '\x3b'}) {
    for (size_t n = 0; n <= 26; ++n) {
      for (size_t first = 0; first <= n; ++first) {
        for (size_t second = first; second <= n; ++second) {
          std::string host(n, filler);
          if (first < n) host[first] = ':';
          if (second < n) host[second] = ':';
          ASSERT_EQ(LastColon(host), host.rfind(':'))
              << "n=" << n << " colons at " << first << "," << second;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(HostIndexTest, HostWithoutPortStripsOnlyTheLastColon) {
  EXPECT_EQ(HostWithoutPort("a-long-host-name.example.com:8443"), "a-long-host-name.example.com");
  EXPECT_EQ(HostWithoutPort("a-long-host-name.example.com"), "a-long-host-name.example.com");
  EXPECT_EQ(HostWithoutPort("a:b:c"), "a:b");
  EXPECT_EQ(HostWithoutPort("abcdefgh:"), "abcdefgh");
  EXPECT_EQ(HostWithoutPort(":abcdefghijklmnop"), "");
  EXPECT_EQ(HostWithoutPort("abcdefghijklmnop.:1"), "abcdefghijklmnop");
}

}  // namespace
}  // namespace atrium::table
