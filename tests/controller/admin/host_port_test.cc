// ParseHostPort: the --admin-address flag's accepted and rejected forms.

#include "controller/admin/host_port.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace atrium::admin {
namespace {

struct Case {
  std::string text;
  std::optional<HostPort> expected;
};

TEST(ParseHostPortTest, Table) {
  const Case cases[] = {
      {"127.0.0.1:9901", HostPort{"127.0.0.1", 9901}},
      {"0.0.0.0:0", HostPort{"0.0.0.0", 0}},
      {"localhost:65535", HostPort{"localhost", 65535}},
      {"[::1]:9901", HostPort{"::1", 9901}},
      {"[::]:80", HostPort{"::", 80}},
      {"127.0.0.1", std::nullopt},        // no port
      {":9901", std::nullopt},            // no host
      {"127.0.0.1:", std::nullopt},       // empty port
      {"127.0.0.1:65536", std::nullopt},  // out of range
      {"127.0.0.1:99999999999", std::nullopt},
      {"127.0.0.1:-1", std::nullopt},
      {"127.0.0.1:+80", std::nullopt},
      {"127.0.0.1:80x", std::nullopt},
      {"::1:9901", std::nullopt},  // IPv6 without brackets
      {"[]:9901", std::nullopt},
      {"", std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseHostPort(c.text), c.expected) << "'" << c.text << "'";
  }
}

}  // namespace
}  // namespace atrium::admin
