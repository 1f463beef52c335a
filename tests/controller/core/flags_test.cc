#include "controller/core/flags.h"

#include <algorithm>
#include <thread>

#include <gtest/gtest.h>

namespace atrium::core {
namespace {

TEST(FlagsTest, DefaultsAreSane) {
  ParsedFlags parsed = ParseFlags({});
  EXPECT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.config.admin_address, "127.0.0.1");
  EXPECT_EQ(parsed.config.admin_port, 9901);
  EXPECT_EQ(parsed.config.port_offset, 8000);
  EXPECT_EQ(parsed.config.max_header_bytes, 64u * 1024);
  EXPECT_EQ(parsed.config.header_timeout, std::chrono::seconds(10));
}

TEST(FlagsTest, WorkersAreAsAskedElseOnePerCore) {
  EXPECT_EQ(WorkerCount(ParseFlags({"--workers", "3"}).config), 3u);
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(WorkerCount(ParseFlags({}).config), cores);
}

TEST(FlagsTest, BothSpellingsAndRepeatedLists) {
  ParsedFlags parsed = ParseFlags(
      {"--manifests", "dir", "--admin-address=0.0.0.0:9000", "--workers=3", "--publish-address",
       "10.0.0.1", "--publish-address=lb.example.com,10.0.0.2", "--watch-namespace=a,b",
       "--leader-elect", "--idle-timeout=1m30s", "--header-timeout", "250ms"});
  ASSERT_EQ(parsed.error, "");
  const Config& c = parsed.config;
  EXPECT_EQ(c.manifests_dir, "dir");
  EXPECT_EQ(c.admin_address, "0.0.0.0");
  EXPECT_EQ(c.admin_port, 9000);
  EXPECT_EQ(c.workers, 3u);
  EXPECT_EQ(c.publish_addresses,
            (std::vector<std::string>{"10.0.0.1", "lb.example.com", "10.0.0.2"}));
  EXPECT_EQ(c.watch_namespaces, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(c.leader_elect);
  EXPECT_EQ(c.idle_timeout, std::chrono::seconds(90));
  EXPECT_EQ(c.header_timeout, std::chrono::milliseconds(250));
}

TEST(FlagsTest, AdminAddressAcceptsBracketedIpv6) {
  ParsedFlags parsed = ParseFlags({"--admin-address=[::1]:9901"});
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.config.admin_address, "::1");
}

TEST(FlagsTest, ErrorsNameTheFlag) {
  EXPECT_EQ(ParseFlags({"--nope"}).error, "unknown flag --nope");
  EXPECT_EQ(ParseFlags({"--manifests"}).error, "flag --manifests needs a value");
  EXPECT_NE(ParseFlags({"--workers=lots"}).error.find("--workers=lots"), std::string::npos);
  EXPECT_NE(ParseFlags({"--idle-timeout=soon"}).error.find("not a duration"), std::string::npos);
  EXPECT_NE(ParseFlags({"--port-offset=70000"}).error, "");
  EXPECT_NE(ParseFlags({"stray"}).error, "");
  EXPECT_NE(ParseFlags({"--log-level=loud"}).error, "");
}

TEST(FlagsTest, HelpListsEveryFlag) {
  const std::string help = HelpText();
  for (const std::string& name : FlagNames()) {
    EXPECT_NE(help.find("--" + name), std::string::npos) << name;
  }
  EXPECT_TRUE(ParseFlags({"--help"}).help);
}

TEST(ParseDurationTest, Units) {
  std::chrono::milliseconds out{};
  ASSERT_TRUE(ParseDuration("1h", &out));
  EXPECT_EQ(out, std::chrono::hours(1));
  ASSERT_TRUE(ParseDuration("1.5s", &out));
  EXPECT_EQ(out, std::chrono::milliseconds(1500));
  ASSERT_TRUE(ParseDuration("0", &out));
  EXPECT_EQ(out.count(), 0);
  EXPECT_FALSE(ParseDuration("", &out));
  EXPECT_FALSE(ParseDuration("10", &out));
  EXPECT_FALSE(ParseDuration("5d", &out));
}

}  // namespace
}  // namespace atrium::core
