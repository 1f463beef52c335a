// Small pure parts of controller/kube: resource paths, timestamps, the
// token source and the metrics.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "base/time_format.h"
#include "controller/kube/kube_metrics.h"
#include "controller/kube/resource_kind.h"
#include "controller/kube/token_source.h"

namespace atrium::kube {
namespace {

TEST(ResourceKindTest, PathsFollowTheRestConventions) {
  const ResourceKind* route = FindKind("HTTPRoute");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->ApiVersion(), "gateway.networking.k8s.io/v1");
  EXPECT_EQ(route->CollectionPath(), "/apis/gateway.networking.k8s.io/v1/httproutes");
  EXPECT_EQ(route->CollectionPath("team"),
            "/apis/gateway.networking.k8s.io/v1/namespaces/team/httproutes");
  EXPECT_EQ(route->StatusPath("team", "web"),
            "/apis/gateway.networking.k8s.io/v1/namespaces/team/httproutes/web/status");

  const ResourceKind* service = FindKind("Service");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->ApiVersion(), "v1");
  EXPECT_EQ(service->ObjectPath("default", "web"), "/api/v1/namespaces/default/services/web");

  const ResourceKind* gateway_class = FindKind("GatewayClass");
  ASSERT_NE(gateway_class, nullptr);
  // Cluster-scoped: the namespace is ignored.
  EXPECT_EQ(gateway_class->ObjectPath("ignored", "atrium"),
            "/apis/gateway.networking.k8s.io/v1/gatewayclasses/atrium");

  EXPECT_EQ(FindKind("ReferenceGrant")->version, "v1beta1");
  EXPECT_EQ(FindKind("EndpointSlice")->group, "discovery.k8s.io");
  EXPECT_EQ(FindKind("Pod"), nullptr);
  EXPECT_EQ(AtriumKinds().size(), 10u);
  EXPECT_EQ(LeaseKind().CollectionPath("kube-system"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases");
}

TEST(ResourceKindTest, EscapeQueryEncodesReservedCharacters) {
  EXPECT_EQ(EscapeQuery("type=kubernetes.io/tls"), "type%3Dkubernetes.io%2Ftls");
  EXPECT_EQ(EscapeQuery("a+b c&d"), "a%2Bb%20c%26d");
  EXPECT_EQ(EscapeQuery("plain-123"), "plain-123");
}

TEST(TimeFormatTest, FormatsAndParsesRfc3339) {
  using namespace std::chrono;
  const system_clock::time_point time = sys_days(year(2026) / November / 23) + hours(13) +
                                        minutes(4) + seconds(5) + microseconds(123456);
  EXPECT_EQ(base::FormatTime(time), "2026-11-23T13:04:05Z");
  EXPECT_EQ(base::FormatMicroTime(time), "2026-11-23T13:04:05.123456Z");
  EXPECT_EQ(base::ParseTime("2026-11-23T13:04:05.123456Z"), time);
  EXPECT_EQ(base::ParseTime("2026-11-23T13:04:05Z"), floor<seconds>(time));
  EXPECT_EQ(base::ParseTime("2026-11-23T15:04:05+02:00"), floor<seconds>(time));
  EXPECT_FALSE(base::ParseTime("2026-11-23 13:04:05Z"));
  EXPECT_FALSE(base::ParseTime("2026-02-30T13:04:05Z"));
  EXPECT_FALSE(base::ParseTime("2026-11-23T13:04:05"));
}

class TokenSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("atrium-token-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::trunc) << content;
  }
  std::filesystem::path dir_;
};

TEST_F(TokenSourceTest, StaticTokenWithoutFile) {
  TokenSource source("fixed", "");
  EXPECT_EQ(source.Token(), "fixed");
}

TEST_F(TokenSourceTest, FileTokenIsReReadWhenTheFileChanges) {
  Write("token", "first\n");
  TokenSource source("", (dir_ / "token").string(), std::chrono::milliseconds(0));
  EXPECT_EQ(source.Token(), "first");
  // The kubelet rotates a projected token by swapping a symlink: a new file
  // (new inode) appears under the same name.
  Write("token.new", "second");
  std::filesystem::rename(dir_ / "token.new", dir_ / "token");
  EXPECT_EQ(source.Token(), "second");
  // While the file is briefly missing the last good token is kept.
  std::filesystem::remove(dir_ / "token");
  EXPECT_EQ(source.Token(), "second");
}

TEST_F(TokenSourceTest, RecheckIntervalLimitsStatsUntilInvalidated) {
  Write("token", "first");
  TokenSource source("", (dir_ / "token").string(), std::chrono::hours(1));
  EXPECT_EQ(source.Token(), "first");
  Write("token.new", "second");
  std::filesystem::rename(dir_ / "token.new", dir_ / "token");
  EXPECT_EQ(source.Token(), "first");  // not looked at again within the hour
  source.Invalidate();                 // a 401 forces a fresh read
  EXPECT_EQ(source.Token(), "second");
}

TEST(KubeMetricsTest, SeriesAreLabelledByKindAndType) {
  auto registry = std::make_shared<prometheus::Registry>();
  KubeMetrics metrics(registry);
  KindMetrics routes = metrics.ForKind("HTTPRoute");
  routes.Event("ADDED");
  routes.Event("ADDED");
  routes.Event("SOMETHING");  // counted as ERROR
  routes.WatchRestarted();
  routes.Relisted();
  routes.Synced();
  // A second informer of the same kind shares the series.
  metrics.ForKind("HTTPRoute").Relisted();
  const std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_NE(text.find("atrium_kube_events_total{kind=\"HTTPRoute\",type=\"ADDED\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("atrium_kube_events_total{kind=\"HTTPRoute\",type=\"ERROR\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("atrium_kube_watch_restarts_total{kind=\"HTTPRoute\"} 1"), std::string::npos);
  EXPECT_NE(text.find("atrium_kube_relists_total{kind=\"HTTPRoute\"} 2"), std::string::npos);
  EXPECT_EQ(text.find("atrium_kube_last_sync_timestamp_seconds{kind=\"HTTPRoute\"} 0"),
            std::string::npos);
  EXPECT_NE(text.find("atrium_kube_last_sync_timestamp_seconds{kind=\"HTTPRoute\"}"),
            std::string::npos);
}

}  // namespace
}  // namespace atrium::kube
