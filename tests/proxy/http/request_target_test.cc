#include "proxy/http/request_target.h"

#include <ostream>

#include <gtest/gtest.h>

namespace atrium::http {
namespace {

struct TargetCase {
  std::string target;
  bool valid;
  TargetForm form;
  std::string authority;
  std::string path;
  std::string query;
};

// PrintTo keeps test names readable (and free of memory dumps).
void PrintTo(const TargetCase& c, std::ostream* os) { *os << '"' << c.target << '"'; }

class ParseRequestTargetTest : public ::testing::TestWithParam<TargetCase> {};

TEST_P(ParseRequestTargetTest, Splits) {
  const TargetCase& c = GetParam();
  auto target = ParseRequestTarget(c.target);
  ASSERT_EQ(target.has_value(), c.valid) << c.target;
  if (!c.valid) return;
  EXPECT_EQ(target->form, c.form) << c.target;
  EXPECT_EQ(target->authority, c.authority) << c.target;
  EXPECT_EQ(target->path, c.path) << c.target;
  EXPECT_EQ(target->query, c.query) << c.target;
}

INSTANTIATE_TEST_SUITE_P(
    Targets, ParseRequestTargetTest,
    ::testing::Values(
        TargetCase{"/", true, TargetForm::kOrigin, "", "/", ""},
        TargetCase{"/a/b?x=1&y", true, TargetForm::kOrigin, "", "/a/b", "x=1&y"},
        TargetCase{"/a?", true, TargetForm::kOrigin, "", "/a", ""},
        TargetCase{"http://Example.com:8080/p?q", true, TargetForm::kAbsolute, "Example.com:8080",
                   "/p", "q"},
        TargetCase{"https://example.com", true, TargetForm::kAbsolute, "example.com", "/", ""},
        TargetCase{"http://example.com?q=1", true, TargetForm::kAbsolute, "example.com", "/",
                   "q=1"},
        TargetCase{"example.com:443", true, TargetForm::kAuthority, "example.com:443", "", ""},
        TargetCase{"*", true, TargetForm::kAsterisk, "", "", ""},
        TargetCase{"", false, TargetForm::kOrigin, "", "", ""},
        TargetCase{"/a#frag", false, TargetForm::kOrigin, "", "", ""},
        TargetCase{"/a b", false, TargetForm::kOrigin, "", "", ""},
        TargetCase{std::string("/a\0b", 4), false, TargetForm::kOrigin, "", "", ""},
        TargetCase{"/\x80", false, TargetForm::kOrigin, "", "", ""},
        TargetCase{"http://user@example.com/", false, TargetForm::kOrigin, "", "", ""},
        TargetCase{"http:///path", false, TargetForm::kOrigin, "", "", ""},
        TargetCase{"1http://example.com/", false, TargetForm::kOrigin, "", "", ""},
        TargetCase{"example.com", false, TargetForm::kOrigin, "", "", ""},
        TargetCase{"example.com:", false, TargetForm::kOrigin, "", "", ""}));

TEST(IsValidHostValueTest, AcceptsUriHostAndPort) {
  for (const char* host : {"", "example.com", "EXAMPLE.com:8080", "127.0.0.1", "[::1]", "[::1]:80",
                           "a-b_c~d.example", "xn--bcher-kva.example"}) {
    EXPECT_TRUE(IsValidHostValue(host)) << host;
  }
  for (const char* host : {"a b", "user@example.com", "example.com:80a", ":80", "[::1", "[]",
                           "[::1]x", "exa/mple", "a\tb"}) {
    EXPECT_FALSE(IsValidHostValue(host)) << host;
  }
}

TEST(SameAuthorityTest, IgnoresCase) {
  EXPECT_TRUE(SameAuthority("Example.COM:80", "example.com:80"));
  EXPECT_FALSE(SameAuthority("example.com", "example.com:80"));
}

}  // namespace
}  // namespace atrium::http
