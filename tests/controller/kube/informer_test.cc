// Informers against the in-process test API server: list+watch,
// pagination, bookmarks, resuming after a dropped watch, relisting on 410
// with deletions, backoff on 500 and 429, CRDs that appear later.
#include "controller/kube/informer.h"

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "base/str_cat.h"
#include "controller/kube/cluster_informers.h"
#include "tests/apiserver/api_server.h"

namespace atrium::kube {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

constexpr milliseconds kWait{10'000};

// Recorder keeps what the informer callbacks reported, and lets a test wait
// for a condition on it.
class Recorder {
 public:
  InformerCallbacks Callbacks() {
    return InformerCallbacks{
        [this](std::string_view kind, json object) {
          std::lock_guard lock(mutex_);
          std::string key = std::string(kind) + " " + object["metadata"].value("namespace", "") +
                            "/" + object["metadata"]["name"].get<std::string>();
          objects_[key] = std::move(object);
          ++upserts_;
          changed_.notify_all();
        },
        [this](std::string_view kind, const std::string& key) {
          std::lock_guard lock(mutex_);
          std::string full =
              std::string(kind) + " " + (key.find('/') == std::string::npos ? "/" : "") + key;
          objects_.erase(full);
          deletions_.push_back(full);
          changed_.notify_all();
        },
        [this] {
          std::lock_guard lock(mutex_);
          ++synced_;
          changed_.notify_all();
        }};
  }

  struct View {
    const std::map<std::string, json>& objects;
    const std::vector<std::string>& deletions;
    int upserts;
    int synced;
  };
  bool WaitFor(const std::function<bool(const View&)>& pred, milliseconds timeout = kWait) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      return pred(View{objects_, deletions_, upserts_, synced_});
    });
  }
  std::set<std::string> Keys() {
    std::lock_guard lock(mutex_);
    std::set<std::string> keys;
    for (const auto& [key, object] : objects_) keys.insert(key);
    return keys;
  }
  json Object(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(key);
    return it == objects_.end() ? json() : it->second;
  }
  std::vector<std::string> Deletions() {
    std::lock_guard lock(mutex_);
    return deletions_;
  }
  int upserts() {
    std::lock_guard lock(mutex_);
    return upserts_;
  }
  int synced() {
    std::lock_guard lock(mutex_);
    return synced_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, json> objects_;
  std::vector<std::string> deletions_;
  int upserts_ = 0;
  int synced_ = 0;
};

json Service(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"ports", {{{"port", 80}}}}}}};
}

json Namespace(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}

InformerOptions FastOptions() {
  InformerOptions options;
  options.backoff.initial = milliseconds(20);
  options.backoff.max = milliseconds(200);
  options.absent_retry = milliseconds(100);
  options.watch_timeout_min = seconds(60);
  options.watch_timeout_max = seconds(60);
  options.min_healthy_watch = milliseconds(200);
  options.seed = 1;
  return options;
}

std::string MetricsText(const std::shared_ptr<prometheus::Registry>& registry) {
  return prometheus::TextSerializer().Serialize(registry->Collect());
}

// MetricValue reads one sample of the text format ("name{labels}").
double MetricValue(const std::string& text, const std::string& series) {
  size_t at = text.find(series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 1));
}

class InformerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartApi({}); }
  void StartApi(testing::ApiServerOptions options) {
    options.bookmark_interval = milliseconds(100);
    api_ = std::make_unique<testing::ApiServer>(options);
    ASSERT_TRUE(api_->Start()) << api_->error();
    KubeConfig config;
    config.server = api_->url();
    config.token = api_->token();
    config.ca_pem = api_->ca_pem();
    client_ = std::make_unique<KubeClient>(config);
  }
  void Create(const json& object) {
    testing::ApiResult result = api_->Create(object);
    ASSERT_TRUE(result.ok()) << result.body.dump();
  }
  std::unique_ptr<Informer> MakeInformer(std::string_view kind, InformerOptions options) {
    return std::make_unique<Informer>(*client_, *FindKind(kind), std::move(options),
                                      recorder_.Callbacks(), &metrics_);
  }

  std::unique_ptr<testing::ApiServer> api_;
  std::unique_ptr<KubeClient> client_;
  Recorder recorder_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  KubeMetrics metrics_{registry_};
};

TEST_F(InformerTest, ListsThenWatches) {
  Create(Service("default", "a"));
  Create(Service("default", "b"));
  auto informer = MakeInformer("Service", FastOptions());
  informer->Start();
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  EXPECT_TRUE(informer->synced());
  EXPECT_EQ(recorder_.Keys(), (std::set<std::string>{"Service default/a", "Service default/b"}));
  json a = recorder_.Object("Service default/a");
  EXPECT_EQ(a["kind"], "Service");  // LIST items carry no kind: the informer sets it
  EXPECT_EQ(a["apiVersion"], "v1");
  EXPECT_FALSE(a["metadata"].contains("managedFields"));

  ASSERT_TRUE(api_->WaitForOpenWatches(1, kWait));
  Create(Service("default", "c"));
  ASSERT_TRUE(
      recorder_.WaitFor([](const auto& v) { return v.objects.contains("Service default/c"); }));
  ASSERT_TRUE(api_->Patch("services", "default", "a", testing::PatchType::kMerge,
                          {{"metadata", {{"labels", {{"x", "y"}}}}}})
                  .ok());
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) {
    auto it = v.objects.find("Service default/a");
    return it != v.objects.end() && it->second["metadata"].contains("labels");
  }));
  ASSERT_TRUE(api_->Delete("services", "default", "b").ok());
  ASSERT_TRUE(
      recorder_.WaitFor([](const auto& v) { return !v.objects.contains("Service default/b"); }));
  EXPECT_EQ(recorder_.Deletions(), std::vector<std::string>{"Service default/b"});
  EXPECT_EQ(api_->RequestCount("list", "/services"), 1u);
  EXPECT_EQ(recorder_.synced(), 1);

  const std::string text = MetricsText(registry_);
  EXPECT_GE(MetricValue(text, "atrium_kube_events_total{kind=\"Service\",type=\"ADDED\"}"), 1);
  EXPECT_GE(MetricValue(text, "atrium_kube_events_total{kind=\"Service\",type=\"DELETED\"}"), 1);
  EXPECT_GT(MetricValue(text, "atrium_kube_last_sync_timestamp_seconds{kind=\"Service\"}"), 1e9);
}

TEST_F(InformerTest, ListsInPages) {
  for (int i = 0; i < 5; ++i) Create(Service("default", StrCat("s", std::to_string(i))));
  InformerOptions options = FastOptions();
  options.page_size = 2;
  auto informer = MakeInformer("Service", options);
  informer->Start();
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  EXPECT_EQ(recorder_.Keys().size(), 5u);
  EXPECT_EQ(api_->RequestCount("list", "/services"), 3u);  // 2 + 2 + 1
  EXPECT_EQ(informer->size(), 5u);
}

TEST_F(InformerTest, BookmarksAdvanceTheResourceVersion) {
  Create(Namespace("elsewhere"));
  InformerOptions options = FastOptions();
  options.ns = "default";
  auto informer = MakeInformer("Service", options);
  informer->Start();
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  ASSERT_TRUE(api_->WaitForOpenWatches(1, kWait));
  const std::string listed = informer->resource_version();
  // Changes elsewhere move the server's version; only bookmarks tell us.
  Create(Service("elsewhere", "x"));
  Create(Service("elsewhere", "y"));
  const std::string now = std::to_string(api_->resource_version());
  ASSERT_NE(listed, now);
  const auto deadline = Steady::now() + kWait;
  while (informer->resource_version() != now && Steady::now() < deadline) {
    api_->SendBookmarks();
    recorder_.WaitFor([](const auto&) { return false; }, milliseconds(20));
  }
  EXPECT_EQ(informer->resource_version(), now);
  EXPECT_EQ(recorder_.upserts(), 0);
  EXPECT_GE(MetricValue(MetricsText(registry_),
                        "atrium_kube_events_total{kind=\"Service\",type=\"BOOKMARK\"}"),
            1);
  // The watch asked for bookmarks.
  EXPECT_EQ(api_->RequestCount("list", "/services"), 1u);
}

TEST_F(InformerTest, ResumesFromTheLastVersionAfterADroppedWatch) {
  Create(Service("default", "a"));
  auto informer = MakeInformer("Service", FastOptions());
  informer->Start();
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  ASSERT_TRUE(api_->WaitForOpenWatches(1, kWait));
  api_->DropWatches();
  Create(Service("default", "b"));
  ASSERT_TRUE(
      recorder_.WaitFor([](const auto& v) { return v.objects.contains("Service default/b"); }));
  EXPECT_EQ(api_->RequestCount("list", "/services"), 1u);  // no relist
  EXPECT_GE(api_->RequestCount("watch", "/services"), 2u);
  EXPECT_GE(
      MetricValue(MetricsText(registry_), "atrium_kube_watch_restarts_total{kind=\"Service\"}"), 1);
  EXPECT_EQ(MetricValue(MetricsText(registry_), "atrium_kube_relists_total{kind=\"Service\"}"), 0);
  EXPECT_TRUE(recorder_.Deletions().empty());
}

TEST_F(InformerTest, RelistsOnExpiredHistoryAndEmitsDeletions) {
  Create(Service("default", "a"));
  Create(Service("default", "b"));
  auto informer = MakeInformer("Service", FastOptions());
  informer->Start();
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  ASSERT_TRUE(api_->WaitForOpenWatches(1, kWait));
  // Keep the informer away while the world changes and history is compacted.
  testing::FailureRule refuse_watches;
  refuse_watches.status = 500;
  refuse_watches.watch = true;
  api_->FailRequests(refuse_watches);
  api_->DropWatches();
  ASSERT_TRUE(api_->Delete("services", "default", "a").ok());
  Create(Service("default", "c"));
  api_->Compact();
  api_->ClearFaults();
  // The watch from the old version gets an ERROR event with 410: relist.
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) {
    return v.objects.contains("Service default/c") && !v.objects.contains("Service default/a");
  }));
  EXPECT_EQ(recorder_.Keys(), (std::set<std::string>{"Service default/b", "Service default/c"}));
  EXPECT_EQ(recorder_.Deletions(), std::vector<std::string>{"Service default/a"});
  EXPECT_EQ(api_->RequestCount("list", "/services"), 2u);
  // The relist is counted once it finished, just after its events.
  const auto deadline = Steady::now() + kWait;
  while (MetricValue(MetricsText(registry_), "atrium_kube_relists_total{kind=\"Service\"}") < 1 &&
         Steady::now() < deadline) {
    recorder_.WaitFor([](const auto&) { return false; }, milliseconds(10));
  }
  EXPECT_EQ(MetricValue(MetricsText(registry_), "atrium_kube_relists_total{kind=\"Service\"}"), 1);
  // b did not change: the relist did not report it again.
  EXPECT_EQ(recorder_.upserts(), 3);
}

TEST_F(InformerTest, RelistsOnGoneStatus) {
  auto informer = MakeInformer("Service", FastOptions());
  informer->Start();
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  ASSERT_TRUE(api_->WaitForOpenWatches(1, kWait));
  testing::FailureRule gone;
  gone.status = 410;
  gone.count = 1;
  gone.watch = true;
  api_->FailRequests(gone);
  api_->DropWatches();
  ASSERT_TRUE(api_->WaitForOpenWatches(1, kWait));
  const auto deadline = Steady::now() + kWait;
  while (api_->RequestCount("list", "/services") < 2 && Steady::now() < deadline) {
    recorder_.WaitFor([](const auto&) { return false; }, milliseconds(20));
  }
  EXPECT_EQ(api_->RequestCount("list", "/services"), 2u);
  EXPECT_EQ(api_->injected_failures(), 1u);
}

TEST_F(InformerTest, BacksOffExponentiallyOnServerErrors) {
  testing::FailureRule failing;
  failing.status = 500;
  failing.count = 3;
  failing.watch = false;
  failing.path_contains = "/services";
  api_->FailRequests(failing);
  InformerOptions options = FastOptions();
  options.backoff.initial = milliseconds(100);
  options.backoff.max = milliseconds(10'000);
  options.backoff.jitter = 0;
  const auto started = Steady::now();
  auto informer = MakeInformer("Service", options);
  informer->Start();
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  // 100 + 200 + 400 ms between the four attempts.
  EXPECT_GE(Steady::now() - started, milliseconds(700));
  EXPECT_EQ(api_->injected_failures(), 3u);
  EXPECT_EQ(api_->RequestCount("list", "/services"), 1u);
}

TEST_F(InformerTest, HonoursRetryAfterOnTooManyRequests) {
  testing::FailureRule throttled;
  throttled.status = 429;
  throttled.count = 1;
  throttled.retry_after_seconds = 1;
  throttled.watch = false;
  throttled.path_contains = "/services";
  api_->FailRequests(throttled);
  const auto started = Steady::now();
  auto informer = MakeInformer("Service", FastOptions());  // backoff starts at 20 ms
  informer->Start();
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  EXPECT_GE(Steady::now() - started, milliseconds(1000));
  EXPECT_EQ(api_->injected_failures(), 1u);
}

TEST_F(InformerTest, StopsPromptlyWhileWatching) {
  auto informer = MakeInformer("Service", FastOptions());
  informer->Start();
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  ASSERT_TRUE(api_->WaitForOpenWatches(1, kWait));
  const auto started = Steady::now();
  informer->Stop();
  EXPECT_LT(Steady::now() - started, milliseconds(500));
}

TEST_F(InformerTest, StopsPromptlyWhileBackingOff) {
  testing::FailureRule failing;
  failing.status = 500;
  api_->FailRequests(failing);
  InformerOptions options = FastOptions();
  options.backoff.initial = seconds(60);
  auto informer = MakeInformer("Service", options);
  informer->Start();
  const auto deadline = Steady::now() + kWait;
  while (api_->injected_failures() == 0 && Steady::now() < deadline) {
    recorder_.WaitFor([](const auto&) { return false; }, milliseconds(10));
  }
  ASSERT_GE(api_->injected_failures(), 1u);
  const auto started = Steady::now();
  informer->Stop();
  EXPECT_LT(Steady::now() - started, milliseconds(500));
  EXPECT_FALSE(informer->synced());
}

class ClusterInformersTest : public InformerTest {
 protected:
  std::unique_ptr<ClusterInformers> MakeInformers(ClusterInformersOptions options) {
    options.informer = FastOptions();
    return std::make_unique<ClusterInformers>(*client_, std::move(options), recorder_.Callbacks(),
                                              &metrics_);
  }
};

TEST_F(ClusterInformersTest, GatewayApiAppearingLaterIsWatchedThen) {
  api_.reset();
  testing::ApiServerOptions options;
  options.gateway_api = false;
  StartApi(options);
  Create({{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", {{"name", "web"}, {"namespace", "default"}}},
          {"spec",
           {{"defaultBackend", {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}}}}}});
  auto informers = MakeInformers({});
  informers->Start();
  // Ingress is served at once although the Gateway API is missing.
  ASSERT_TRUE(informers->WaitForSync(kWait));
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  EXPECT_TRUE(recorder_.Keys().contains("Ingress default/web"));
  const Informer* routes = nullptr;
  for (const auto& informer : informers->informers()) {
    if (informer->kind().kind == "HTTPRoute") routes = informer.get();
  }
  ASSERT_NE(routes, nullptr);
  EXPECT_FALSE(routes->served());

  ASSERT_TRUE(api_->InstallGatewayApi());
  Create({{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "HTTPRoute"},
          {"metadata", {{"name", "route"}, {"namespace", "default"}}},
          {"spec", json::object()}});
  ASSERT_TRUE(recorder_.WaitFor(
      [](const auto& v) { return v.objects.contains("HTTPRoute default/route"); }));
  EXPECT_TRUE(routes->served());

  // And when the CRDs go away, their objects go with them.
  ASSERT_TRUE(api_->UninstallGatewayApi());
  ASSERT_TRUE(recorder_.WaitFor(
      [](const auto& v) { return !v.objects.contains("HTTPRoute default/route"); }));
  EXPECT_EQ(recorder_.synced(), 1);
}

TEST_F(ClusterInformersTest, ReadsOnlyTlsSecrets) {
  Create({{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "cert"}, {"namespace", "default"}}},
          {"type", "kubernetes.io/tls"},
          {"data", {{"tls.crt", "Y2VydA=="}, {"tls.key", "a2V5"}}}});
  Create({{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "password"}, {"namespace", "default"}}},
          {"type", "Opaque"},
          {"data", {{"password", "aHVudGVyMg=="}}}});
  ClusterInformersOptions options;
  options.kinds = {*FindKind("Secret")};
  auto informers = MakeInformers(options);
  informers->Start();
  ASSERT_TRUE(informers->WaitForSync(kWait));
  EXPECT_EQ(recorder_.Keys(), std::set<std::string>{"Secret default/cert"});
  EXPECT_EQ(recorder_.Object("Secret default/cert")["data"]["tls.key"], "a2V5");
}

// EndpointSlices, the largest objects a cluster has by the thousand, are
// listed kEndpointSlicePageSize at a time; other kinds a full page at a time.
TEST_F(ClusterInformersTest, ListsEndpointSlicesInSmallPages) {
  const int slices = 2 * static_cast<int>(kEndpointSlicePageSize) + 1;
  for (int i = 0; i < slices; ++i) {
    Create({{"apiVersion", "discovery.k8s.io/v1"},
            {"kind", "EndpointSlice"},
            {"metadata",
             {{"name", "web-" + std::to_string(i)},
              {"namespace", "default"},
              {"labels", {{"kubernetes.io/service-name", "web"}}}}},
            {"addressType", "IPv4"},
            {"endpoints", {{{"addresses", {"10.0.0.1"}}}}}});
    Create(Service("default", "svc-" + std::to_string(i)));
  }
  api_->ResetRequestCounts();
  ClusterInformersOptions options;
  options.kinds = {*FindKind("EndpointSlice"), *FindKind("Service")};
  auto informers = MakeInformers(options);
  informers->Start();
  ASSERT_TRUE(informers->WaitForSync(kWait));
  EXPECT_EQ(recorder_.Keys().size(), static_cast<size_t>(2 * slices));
  EXPECT_EQ(api_->RequestCount("list", "discovery.k8s.io/endpointslices"), 3u);
  EXPECT_EQ(api_->RequestCount("list", "/services"), 1u);  // the core group is ""
}

TEST_F(ClusterInformersTest, WatchesOnlyTheGivenNamespaces) {
  Create(Namespace("team-a"));
  Create(Namespace("team-b"));
  Create(Service("team-a", "web"));
  Create(Service("team-b", "web"));
  ClusterInformersOptions options;
  options.namespaces = {"team-a"};
  options.kinds = {*FindKind("Service"), *FindKind("Namespace")};
  auto informers = MakeInformers(options);
  informers->Start();
  ASSERT_TRUE(informers->WaitForSync(kWait));
  std::set<std::string> keys = recorder_.Keys();
  EXPECT_TRUE(keys.contains("Service team-a/web"));
  EXPECT_FALSE(keys.contains("Service team-b/web"));
  // Namespaces are cluster-scoped: all of them are read (label selectors
  // of allowedRoutes need them).
  EXPECT_TRUE(keys.contains("Namespace /team-b"));
  EXPECT_EQ(api_->RequestCount("list", "/services"), 1u);
}

TEST_F(ClusterInformersTest, SyncedOnlyAfterEveryInformerListed) {
  testing::FailureRule slow_routes;
  slow_routes.status = 500;
  slow_routes.path_contains = "/httproutes";
  api_->FailRequests(slow_routes);
  auto informers = MakeInformers({});
  informers->Start();
  EXPECT_FALSE(informers->WaitForSync(milliseconds(500)));
  EXPECT_EQ(recorder_.synced(), 0);
  api_->ClearFaults();
  ASSERT_TRUE(informers->WaitForSync(kWait));
  ASSERT_TRUE(recorder_.WaitFor([](const auto& v) { return v.synced == 1; }));
  EXPECT_EQ(informers->informers().size(), 10u);
}

}  // namespace
}  // namespace atrium::kube
