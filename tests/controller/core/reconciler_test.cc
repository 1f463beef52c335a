#include "controller/core/reconciler.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include <gtest/gtest.h>

#include "controller/state/cluster_state.h"
#include "controller/state/object_strip.h"
#include "proxy/table/table_publisher.h"

namespace atrium::core {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kWait{10000};
// How long a pass that should not happen is waited for.
constexpr milliseconds kQuiet{300};

json Meta(const std::string& name, const std::string& ns = "") {
  json meta = {{"name", name}, {"resourceVersion", "1"}};
  if (!ns.empty()) meta["namespace"] = ns;
  return meta;
}

json GatewayClass() {
  return {{"kind", "GatewayClass"},
          {"metadata", Meta("atrium")},
          {"spec", {{"controllerName", "atrium.dev/gateway-controller"}}}};
}

json Gateway() {
  return {{"kind", "Gateway"},
          {"metadata", Meta("gw", "infra")},
          {"spec",
           {{"gatewayClassName", "atrium"},
            {"listeners", {{{"name", "http"}, {"protocol", "HTTP"}, {"port", 8080}}}}}}};
}

json Route(const std::string& path) {
  return {{"kind", "HTTPRoute"},
          {"metadata", Meta("web", "infra")},
          {"spec",
           {{"parentRefs", {{{"name", "gw"}}}},
            {"rules",
             {{{"matches", {{{"path", {{"type", "PathPrefix"}, {"value", path}}}}}},
               {"backendRefs", {{{"name", "web"}, {"port", 80}}}}}}}}}};
}

json Service(const std::string& name) {
  return {{"kind", "Service"},
          {"metadata", Meta(name, "infra")},
          {"spec", {{"ports", {{{"name", "http"}, {"port", 80}}}}}}};
}

json Slice(const std::string& service, const std::string& address) {
  return {{"kind", "EndpointSlice"},
          {"metadata",
           {{"name", service + "-1"},
            {"namespace", "infra"},
            {"resourceVersion", "1"},
            {"labels", {{"kubernetes.io/service-name", service}}}}},
          {"addressType", "IPv4"},
          {"ports", {{{"name", "http"}, {"port", 8080}}}},
          {"endpoints", {{{"addresses", {address}}}}}};
}

// StartWithOneRoute loads a class, a Gateway and a route "/", marks the
// sources synced and starts the reconciler.
void StartWithOneRoute(Reconciler& reconciler) {
  reconciler.Upsert(state::kGatewayClass, GatewayClass());
  reconciler.Upsert(state::kGateway, Gateway());
  reconciler.Upsert(state::kHttpRoute, Route("/"));
  reconciler.SetSynced(true);
  reconciler.Start();
}

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() : reconciler_(ReconcilerOptions{}, publisher_, nullptr) {}
  ~ReconcilerTest() override { reconciler_.Stop(); }

  void LoadWorld() {
    reconciler_.Upsert(state::kGatewayClass, GatewayClass());
    reconciler_.Upsert(state::kGateway, Gateway());
    reconciler_.Upsert(state::kHttpRoute, Route("/"));
    reconciler_.Upsert(state::kService, Service("web"));
    reconciler_.Upsert(state::kEndpointSlice, Slice("web", "127.0.0.1"));
    reconciler_.Upsert(state::kService, Service("unused"));
    reconciler_.Upsert(state::kEndpointSlice, Slice("unused", "127.0.0.2"));
    reconciler_.SetSynced(true);
    reconciler_.Start();
    ASSERT_TRUE(reconciler_.WaitForGeneration(1, kWait));
  }

  table::TablePublisher publisher_;
  Reconciler reconciler_;
};

TEST_F(ReconcilerTest, NothingIsPublishedBeforeSync) {
  reconciler_.Upsert(state::kGatewayClass, GatewayClass());
  reconciler_.Upsert(state::kGateway, Gateway());
  reconciler_.Start();
  EXPECT_FALSE(reconciler_.WaitForGeneration(1, kQuiet));
  reconciler_.SetSynced(true);
  EXPECT_TRUE(reconciler_.WaitForGeneration(1, kWait));
}

TEST_F(ReconcilerTest, RouteChangeIsPublished) {
  LoadWorld();
  reconciler_.Upsert(state::kHttpRoute, Route("/v2"));
  EXPECT_TRUE(reconciler_.WaitForGeneration(2, kWait));
  reconciler_.Remove(state::kHttpRoute, "infra/web");
  EXPECT_TRUE(reconciler_.WaitForGeneration(3, kWait));
}

TEST_F(ReconcilerTest, StatusEchoAndUnrelatedEndpointsCauseNoPass) {
  LoadWorld();
  ASSERT_TRUE(reconciler_.WaitForReconcile(1, kWait));
  const uint64_t passes = reconciler_.reconcile_count();
  // Our own status write, as the watch echoes it: new resourceVersion,
  // status and managedFields, the same spec.
  json echoed = Route("/");
  echoed["metadata"]["resourceVersion"] = "2";
  echoed["metadata"]["managedFields"] = json::array({{{"manager", "atrium"}}});
  echoed["status"] = {{"parents", json::array({{{"controllerName", "x"}}})}};
  reconciler_.Upsert(state::kHttpRoute, echoed);
  // Endpoints of a Service no route uses.
  reconciler_.Upsert(state::kEndpointSlice, Slice("unused", "127.0.0.3"));
  EXPECT_FALSE(reconciler_.WaitForReconcile(passes + 1, kQuiet));
  // Endpoints of a Service a route uses do rebuild.
  reconciler_.Upsert(state::kEndpointSlice, Slice("web", "127.0.0.4"));
  EXPECT_TRUE(reconciler_.WaitForGeneration(2, kWait));
}

// A change long after the one before it is reconciled at once; a change
// right behind another (the rest of a burst) waits out the hold-off.
TEST(ReconcilerHoldoffTest, AnIsolatedChangeGoesAtOnceABurstIsCoalesced) {
  constexpr milliseconds kHoldoff{2000};
  ReconcilerOptions options;
  options.holdoff = kHoldoff;
  options.max_holdoff = 2 * kHoldoff;
  table::TablePublisher publisher;
  Reconciler reconciler(options, publisher, nullptr);
  StartWithOneRoute(reconciler);
  EXPECT_TRUE(reconciler.WaitForGeneration(1, kHoldoff * 3 / 4));
  // Right behind the changes before: coalesced, published after the hold-off.
  reconciler.Upsert(state::kHttpRoute, Route("/v2"));
  EXPECT_FALSE(reconciler.WaitForGeneration(2, kHoldoff / 2));
  EXPECT_TRUE(reconciler.WaitForGeneration(2, kWait));
  reconciler.Stop();
}

TEST_F(ReconcilerTest, StatusJsonReportsTheLastPass) {
  LoadWorld();
  json status = reconciler_.StatusJson();
  EXPECT_EQ(status["generation"], 1);
  EXPECT_TRUE(status["validation_errors"].empty());
  EXPECT_TRUE(status["compile_errors"].empty());
  bool route_seen = false;
  for (const json& entry : status["statuses"]) {
    if (entry["kind"] == "HTTPRoute" && entry["name"] == "web") route_seen = true;
  }
  EXPECT_TRUE(route_seen) << status.dump();
}

TEST_F(ReconcilerTest, ReplaceStateSwapsTheWorld) {
  state::ClusterState world;
  world.gateway_classes["atrium"] = GatewayClass();
  world.gateways["infra/gw"] = Gateway();
  json route = Route("/");
  route["metadata"]["annotations"] = {{std::string(state::kLastAppliedAnnotation), "{}"}};
  world.Put(state::kHttpRoute, route);
  reconciler_.ReplaceState(world, {"broken.yaml: not YAML"});
  reconciler_.SetSynced(true);
  reconciler_.Start();
  ASSERT_TRUE(reconciler_.WaitForGeneration(1, kWait));
  EXPECT_EQ(reconciler_.StatusJson()["source_problems"], json::array({"broken.yaml: not YAML"}));
  world.http_routes.clear();
  reconciler_.ReplaceState(world, {});
  EXPECT_TRUE(reconciler_.WaitForGeneration(2, kWait));
}

// on_quiet (where atrium gives free memory back) runs once after each pass
// that is followed by quiet, never while nothing happens.
TEST(ReconcilerQuietTest, OnQuietRunsOnceAfterEachPassWhenQuiet) {
  std::mutex mutex;
  std::condition_variable called;
  int calls = 0;
  ReconcilerOptions options;
  options.quiet_after = milliseconds(20);
  options.on_quiet_at_least_every = milliseconds(0);  // only when quiet (see below)
  options.on_quiet = [&] {
    std::lock_guard lock(mutex);
    ++calls;
    called.notify_all();
  };
  auto calls_reach = [&](int count, milliseconds timeout) {
    std::unique_lock lock(mutex);
    return called.wait_for(lock, timeout, [&] { return calls >= count; });
  };
  table::TablePublisher publisher;
  Reconciler reconciler(options, publisher, nullptr);
  StartWithOneRoute(reconciler);
  ASSERT_TRUE(reconciler.WaitForGeneration(1, kWait));
  EXPECT_TRUE(calls_reach(1, kWait));
  EXPECT_FALSE(calls_reach(2, kQuiet));
  reconciler.Upsert(state::kHttpRoute, Route("/v2"));
  EXPECT_TRUE(reconciler.WaitForGeneration(2, kWait));
  EXPECT_TRUE(calls_reach(2, kWait));
  EXPECT_FALSE(calls_reach(3, kQuiet));
  reconciler.Stop();
}

// Under a steady stream of changes, never quiet_after apart, on_quiet still
// runs every on_quiet_at_least_every; with that at 0, only once quiet.
TEST(ReconcilerQuietTest, OnQuietAlsoRunsWhileChangesKeepComing) {
  for (const milliseconds every : {milliseconds(20), milliseconds(0)}) {
    std::atomic<int> calls{0};
    ReconcilerOptions options;
    options.quiet_after = std::chrono::hours(1);  // never quiet in this test
    options.on_quiet_at_least_every = every;
    options.on_quiet = [&] { ++calls; };
    table::TablePublisher publisher;
    Reconciler reconciler(options, publisher, nullptr);
    StartWithOneRoute(reconciler);
    ASSERT_TRUE(reconciler.WaitForGeneration(1, kWait));
    const auto start = std::chrono::steady_clock::now();
    const auto busy_for = [&] { return std::chrono::steady_clock::now() - start; };
    // Passes one after the other for at least 10 times `every` (and 200 ms),
    // or until on_quiet ran while `every` is set.
    for (uint64_t generation = 2;
         busy_for() < std::max(10 * every, milliseconds(200)) && !(every.count() > 0 && calls > 0);
         ++generation) {
      reconciler.Upsert(state::kHttpRoute, Route("/v" + std::to_string(generation)));
      ASSERT_TRUE(reconciler.WaitForGeneration(generation, kWait));
    }
    if (every.count() > 0) {
      EXPECT_GE(calls.load(), 1) << "busy for " << busy_for().count() << " ns";
    } else {
      EXPECT_EQ(calls.load(), 0);
    }
    reconciler.Stop();
  }
}

}  // namespace
}  // namespace atrium::core
