// The cluster-mode control plane wired the way the application wires it:
// informers -> reconciler (translate) -> status writer, gated by leader
// election, against the in-process test API server. Two replicas run; only
// the leader writes status, and the other takes over when it dies.
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "controller/core/reconciler.h"
#include "controller/kube/cluster_informers.h"
#include "controller/kube/kube_client.h"
#include "controller/leader/leader_elector.h"
#include "controller/status/status_writer.h"
#include "proxy/table/table_publisher.h"
#include "tests/apiserver/api_server.h"

namespace atrium::status {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kWait{30'000};

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(ATRIUM_SOURCE_DIR) + "/tests/apiserver/testdata/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replica is one Atrium process's control plane.
class Replica {
 public:
  Replica(const testing::ApiServer& api, const std::string& identity)
      : client_(Config(api)),
        reconciler_(core::ReconcilerOptions{}, publisher_, nullptr),
        elector_(client_, ElectorOptions(identity)),
        writer_(client_, WriterOptions()),
        informers_(client_, InformersOptions(),
                   {[this](std::string_view kind, json object) {
                      writer_.Observe(kind, object);
                      reconciler_.Upsert(kind, std::move(object));
                    },
                    [this](std::string_view kind, const std::string& key) {
                      writer_.Forget(kind, key);
                      reconciler_.Remove(kind, key);
                    },
                    [this] { reconciler_.SetSynced(true); }}) {
    reconciler_.set_status_sink(
        [this](const translate::StatusDelta& delta) { writer_.Apply(delta); });
  }
  ~Replica() { Stop(); }

  void Start() {
    reconciler_.Start();
    writer_.Start();
    elector_.Start();
    informers_.Start();
  }
  // Stop is a crash as far as the others can tell: the lease is not released.
  void Stop() {
    informers_.Stop();
    elector_.Stop();
    writer_.Stop();
    reconciler_.Stop();
  }

  bool leader() const { return elector_.is_leader(); }
  uint64_t writes() const { return writer_.writes(); }

 private:
  static kube::KubeConfig Config(const testing::ApiServer& api) {
    kube::KubeConfig config;
    config.server = api.url();
    config.token = api.token();
    config.ca_pem = api.ca_pem();
    return config;
  }
  leader::LeaderElectorOptions ElectorOptions(const std::string& identity) {
    leader::LeaderElectorOptions options;
    options.ns = "kube-system";
    options.name = "atrium-leader";
    options.identity = identity;
    options.lease_duration = milliseconds(3000);
    options.renew_deadline = milliseconds(2000);
    options.retry_period = milliseconds(200);
    options.release_on_stop = false;
    options.on_started_leading = [this] { writer_.Resync(); };
    return options;
  }
  StatusWriterOptions WriterOptions() {
    StatusWriterOptions options;
    options.holdoff = milliseconds(20);
    options.leader_poll = milliseconds(50);
    options.is_leader = [this] { return elector_.is_leader(); };
    return options;
  }
  static kube::ClusterInformersOptions InformersOptions() {
    kube::ClusterInformersOptions options;
    options.informer.backoff.initial = milliseconds(50);
    return options;
  }

  kube::KubeClient client_;
  table::TablePublisher publisher_;
  core::Reconciler reconciler_;
  leader::LeaderElector elector_;
  StatusWriter writer_;
  kube::ClusterInformers informers_;
};

// WaitUntil polls pred until it holds or the deadline passes.
bool WaitUntil(const std::function<bool()>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));  // polling a condition with a deadline
  }
  return true;
}

int AttachedRoutes(const json* gateway) {
  if (gateway == nullptr || !gateway->contains("status")) return -1;
  const json& listeners = (*gateway)["status"].value("listeners", json::array());
  if (listeners.empty()) return -1;
  return listeners[0].value("attachedRoutes", -1);
}

bool RouteAccepted(const json* route) {
  if (route == nullptr || !route->contains("status")) return false;
  const json& parents = (*route)["status"].value("parents", json::array());
  for (const json& parent : parents) {
    if (parent.value("controllerName", "") != "atrium.dev/gateway-controller") continue;
    for (const json& condition : parent.value("conditions", json::array())) {
      if (condition.value("type", "") == "Accepted" && condition.value("status", "") == "True" &&
          condition.contains("lastTransitionTime")) {
        return true;
      }
    }
  }
  return false;
}

TEST(ClusterStatusTest, OnlyTheLeaderWritesAndTheOtherTakesOver) {
  testing::ApiServer api;
  ASSERT_TRUE(api.Start()) << api.error();
  for (const testing::ApiResult& result : api.ApplyYaml(ReadTestdata("gateway.yaml"))) {
    ASSERT_TRUE(result.ok()) << result.body.dump();
  }
  auto a = std::make_unique<Replica>(api, "replica-a");
  auto b = std::make_unique<Replica>(api, "replica-b");
  a->Start();
  b->Start();

  ASSERT_TRUE(api.WaitFor("httproutes", "shop", "api", RouteAccepted, kWait));
  ASSERT_TRUE(api.WaitFor(
      "gateways", "shop", "web", [](const json* gateway) { return AttachedRoutes(gateway) == 1; },
      kWait));
  ASSERT_TRUE(api.WaitFor(
      "gatewayclasses", "", "atrium",
      [](const json* gateway_class) {
        return gateway_class != nullptr && gateway_class->contains("status") &&
               (*gateway_class)["status"].contains("conditions");
      },
      kWait));

  ASSERT_NE(a->leader(), b->leader());
  Replica* leader = a->leader() ? a.get() : b.get();
  Replica* follower = a->leader() ? b.get() : a.get();
  // GatewayClass, Gateway, HTTPRoute (counted once each request returned).
  EXPECT_TRUE(WaitUntil([&] { return leader->writes() >= 3; }));
  EXPECT_EQ(follower->writes(), 0u);

  // The leader dies without releasing its lease; a route added now gets its
  // status from the other replica once the lease ran out.
  leader->Stop();
  for (const testing::ApiResult& result : api.ApplyYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: api2
  namespace: shop
spec:
  parentRefs:
  - name: web
  rules:
  - backendRefs:
    - name: api
      port: 80
)")) {
    ASSERT_TRUE(result.ok()) << result.body.dump();
  }
  ASSERT_TRUE(api.WaitFor("httproutes", "shop", "api2", RouteAccepted, kWait));
  EXPECT_TRUE(follower->leader());
  EXPECT_TRUE(api.WaitFor(
      "gateways", "shop", "web", [](const json* gateway) { return AttachedRoutes(gateway) == 2; },
      kWait));
  // The new route and the Gateway's attachedRoutes; nothing else changed.
  EXPECT_TRUE(WaitUntil([&] { return follower->writes() >= 2; }));
}

}  // namespace
}  // namespace atrium::status
