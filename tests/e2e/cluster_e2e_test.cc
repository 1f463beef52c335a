// End to end in cluster mode: the test API server program, the real atrium
// binary with --kubeconfig, and the real kubectl, all on 127.0.0.1. A user's
// view: kubectl apply the quickstart, curl through the proxy, read status
// with kubectl get -o jsonpath, edit and delete routes, break a route, break
// the API server, and run two replicas with leader election.

#include <gtest/gtest.h>

#include "tests/e2e/cluster_harness.h"

namespace atrium::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Deadlines are generous for sanitizer builds on a shared machine; the
// checks that the issue bounds (traffic within 1 s of a change) measure
// their own latency.
constexpr milliseconds kStartup{60'000};
constexpr milliseconds kWait{30'000};

bool HaveKubectl() { return RunCommand("kubectl version --client").exit_code == 0; }

class ClusterE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveKubectl()) GTEST_SKIP() << "kubectl is not on PATH";
    std::string error;
    ASSERT_TRUE(api_.Start(&error)) << error;
    kubectl_ = std::make_unique<Kubectl>(api_.kubeconfig());
    for (const char* name : {"web-v1", "web-v2", "api", "legacy"}) {
      backends_.push_back(std::make_unique<Backend>(name));
      ports_[name] = backends_.back()->port();
    }
  }

  std::unique_ptr<AtriumProcess> StartAtrium(const std::string& name,
                                             std::vector<std::string> flags = {}) {
    flags.insert(flags.begin(), {"--publish-address", "127.0.0.1"});
    auto atrium = std::make_unique<AtriumProcess>(
        AtriumOptions{api_.kubeconfig(), std::move(flags), dir_.path() + "/" + name + ".log"});
    atrium->Start();
    return atrium;
  }

  void ApplyQuickstart() {
    CommandResult applied = kubectl_->ApplyText(QuickstartManifests(ports_), dir_.path());
    ASSERT_EQ(applied.exit_code, 0) << applied.output;
  }

  // Routed waits until host+path (with headers) is answered by backend.
  bool Routed(AtriumProcess& atrium, const std::string& host, const std::string& path,
              const std::string& backend, milliseconds timeout = kWait,
              const std::map<std::string, std::string>& headers = {}) {
    return WaitUntil(
        [&] { return Get(atrium.proxy_port(), host, path, headers).backend == backend; }, timeout);
  }
  bool Status(AtriumProcess& atrium, const std::string& host, const std::string& path, int status,
              milliseconds timeout = kWait) {
    return WaitUntil([&] { return Get(atrium.proxy_port(), host, path).status == status; },
                     timeout);
  }
  bool JsonPathIs(const std::string& what, const std::string& path, const std::string& want,
                  milliseconds timeout = kWait) {
    return WaitUntil([&] { return kubectl_->JsonPath(what, path) == want; }, timeout);
  }

  TempDir dir_;
  ApiServerProcess api_{dir_.path()};
  std::unique_ptr<Kubectl> kubectl_;
  std::vector<std::unique_ptr<Backend>> backends_;
  std::map<std::string, uint16_t> ports_;
};

constexpr const char* kApiRouteV2 = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: api
  namespace: default
spec:
  parentRefs:
    - name: quickstart
  hostnames:
    - api.example.com
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /v2
      backendRefs:
        - name: legacy
          port: 80
)";

TEST_F(ClusterE2eTest, ServesWhatKubectlAppliesAndWritesStatus) {
  std::unique_ptr<AtriumProcess> atrium = StartAtrium("atrium");
  ApplyQuickstart();
  ASSERT_TRUE(Routed(*atrium, "api.example.com", "/v1/users", "api", kStartup))
      << atrium->process().Log();
  EXPECT_TRUE(Routed(*atrium, "legacy.example.com", "/", "legacy"));
  EXPECT_TRUE(Routed(*atrium, "web.example.com", "/", "web-v2", kWait, {{"x-canary", "true"}}));
  EXPECT_TRUE(atrium->Ready());

  // Status, the way users read it.
  EXPECT_TRUE(JsonPathIs("gatewayclass atrium",
                         "{.status.conditions[?(@.type==\"Accepted\")].status}", "True"));
  EXPECT_TRUE(JsonPathIs("gateway quickstart",
                         "{.status.conditions[?(@.type==\"Accepted\")].status} "
                         "{.status.conditions[?(@.type==\"Programmed\")].status}",
                         "True True"));
  EXPECT_TRUE(JsonPathIs("gateway quickstart", "{.status.listeners[0].attachedRoutes}", "2"));
  EXPECT_TRUE(JsonPathIs("httproute api",
                         "{.status.parents[0].controllerName} "
                         "{.status.parents[0].conditions[?(@.type==\"Accepted\")].status} "
                         "{.status.parents[0].conditions[?(@.type==\"ResolvedRefs\")].status} "
                         "{.status.parents[0].conditions[0].observedGeneration}",
                         "atrium.dev/gateway-controller True True 1"));
  EXPECT_TRUE(JsonPathIs("ingress legacy", "{.status.loadBalancer.ingress[0].ip}", "127.0.0.1"));

  // An edit through kubectl is served within a second of kubectl returning.
  CommandResult edited = kubectl_->ApplyText(kApiRouteV2, dir_.path());
  ASSERT_EQ(edited.exit_code, 0) << edited.output;
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Routed(*atrium, "api.example.com", "/v2/users", "legacy", milliseconds(1000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_EQ(Get(atrium->proxy_port(), "api.example.com", "/v1/users").status, 404);
  EXPECT_TRUE(JsonPathIs("httproute api",
                         "{.metadata.generation} "
                         "{.status.parents[0].conditions[0].observedGeneration}",
                         "2 2"));

  // kubectl delete: gone from the proxy within a second, and from the
  // Gateway's attachedRoutes.
  CommandResult deleted = kubectl_->Run("delete httproute api");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Status(*atrium, "api.example.com", "/v2/users", 404, milliseconds(1000)));
  EXPECT_TRUE(JsonPathIs("gateway quickstart", "{.status.listeners[0].attachedRoutes}", "1"));
  EXPECT_TRUE(Routed(*atrium, "legacy.example.com", "/", "legacy"));

  EXPECT_EQ(atrium->process().Stop(), 0) << atrium->process().Log();
}

TEST_F(ClusterE2eTest, BrokenRoutesGetConditionsAndOthersKeepServing) {
  std::unique_ptr<AtriumProcess> atrium = StartAtrium("atrium");
  ApplyQuickstart();
  ASSERT_TRUE(Routed(*atrium, "api.example.com", "/v1/users", "api", kStartup))
      << atrium->process().Log();
  CommandResult applied = kubectl_->ApplyText(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: missing-backend
  namespace: default
spec:
  parentRefs: [{name: quickstart}]
  hostnames: [missing.example.com]
  rules:
    - backendRefs: [{name: nowhere, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: bad-regex
  namespace: default
spec:
  parentRefs: [{name: quickstart}]
  hostnames: [regex.example.com]
  rules:
    - matches: [{path: {type: RegularExpression, value: "/(unclosed"}}]
      backendRefs: [{name: api, port: 80}]
)",
                                              dir_.path());
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_TRUE(JsonPathIs("httproute missing-backend",
                         "{.status.parents[0].conditions[?(@.type==\"ResolvedRefs\")].status} "
                         "{.status.parents[0].conditions[?(@.type==\"ResolvedRefs\")].reason}",
                         "False BackendNotFound"));
  EXPECT_TRUE(JsonPathIs("httproute bad-regex",
                         "{.status.parents[0].conditions[?(@.type==\"Accepted\")].status} "
                         "{.status.parents[0].conditions[?(@.type==\"Accepted\")].reason}",
                         "False UnsupportedValue"));
  // An unresolved backend answers 500 (Gateway API), every other route serves.
  EXPECT_TRUE(Status(*atrium, "missing.example.com", "/", 500));
  EXPECT_EQ(Get(atrium->proxy_port(), "api.example.com", "/v1/users").backend, "api");
  EXPECT_EQ(Get(atrium->proxy_port(), "legacy.example.com", "/").backend, "legacy");
}

TEST_F(ClusterE2eTest, SurvivesDroppedWatchesErrorsAndARestartWithCompaction) {
  std::unique_ptr<AtriumProcess> atrium = StartAtrium("atrium");
  ApplyQuickstart();
  ASSERT_TRUE(Routed(*atrium, "api.example.com", "/v1/users", "api", kStartup))
      << atrium->process().Log();

  ASSERT_EQ(api_.AdminPost("/fault/drop-watches"), 200);
  ASSERT_EQ(api_.AdminPost("/fault/fail?status=500&count=20"), 200);
  ASSERT_EQ(api_.AdminPost("/fault/restart?compact=true&downtime_ms=500"), 200);
  // While it was away, nothing was lost.
  EXPECT_EQ(Get(atrium->proxy_port(), "api.example.com", "/v1/users").backend, "api");
  EXPECT_EQ(Get(atrium->proxy_port(), "legacy.example.com", "/").backend, "legacy");
  ASSERT_EQ(api_.AdminPost("/fault/clear"), 200);

  // A change made after it returned is applied.
  CommandResult edited = kubectl_->ApplyText(kApiRouteV2, dir_.path());
  ASSERT_EQ(edited.exit_code, 0) << edited.output;
  EXPECT_TRUE(Routed(*atrium, "api.example.com", "/v2/users", "legacy")) << atrium->process().Log();
  EXPECT_EQ(Get(atrium->proxy_port(), "legacy.example.com", "/").backend, "legacy");
  EXPECT_TRUE(
      JsonPathIs("httproute api", "{.status.parents[0].conditions[0].observedGeneration}", "2"));
}

TEST_F(ClusterE2eTest, OnlyTheLeaderWritesStatusAndAnotherTakesOver) {
  const std::vector<std::string> election = {"--leader-elect",
                                             "--leader-election-namespace",
                                             "default",
                                             "--leader-elect-lease-duration",
                                             "3s",
                                             "--leader-elect-renew-deadline",
                                             "2s",
                                             "--leader-elect-retry-period",
                                             "200ms"};
  ApplyQuickstart();
  std::unique_ptr<AtriumProcess> first = StartAtrium("first", election);
  ASSERT_TRUE(WaitUntil(
      [&] { return !kubectl_->JsonPath("lease atrium-leader", "{.spec.holderIdentity}").empty(); },
      kStartup))
      << first->process().Log();
  const std::string first_identity =
      kubectl_->JsonPath("lease atrium-leader", "{.spec.holderIdentity}");
  ASSERT_TRUE(Routed(*first, "api.example.com", "/v1/users", "api", kStartup));
  ASSERT_TRUE(
      JsonPathIs("httproute api", "{.status.parents[0].conditions[0].observedGeneration}", "1"));

  std::unique_ptr<AtriumProcess> second = StartAtrium("second", election);
  ASSERT_TRUE(Routed(*second, "api.example.com", "/v1/users", "api", kStartup))
      << second->process().Log();
  // Both serve; the first still leads; a change is written by it alone.
  CommandResult edited = kubectl_->ApplyText(kApiRouteV2, dir_.path());
  ASSERT_EQ(edited.exit_code, 0) << edited.output;
  EXPECT_TRUE(Routed(*first, "api.example.com", "/v2/users", "legacy"));
  EXPECT_TRUE(Routed(*second, "api.example.com", "/v2/users", "legacy"));
  EXPECT_TRUE(
      JsonPathIs("httproute api", "{.status.parents[0].conditions[0].observedGeneration}", "2"));
  EXPECT_EQ(kubectl_->JsonPath("lease atrium-leader", "{.spec.holderIdentity}"), first_identity);
  EXPECT_GT(first->Metric("atrium_status_writes_total"), 0);
  EXPECT_EQ(second->Metric("atrium_status_writes_total"), 0);

  // The leader crashes (no release): the second takes over within the
  // lease duration, writes status, and keeps serving.
  first->process().Kill();
  const auto killed = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitUntil(
      [&] {
        const std::string holder =
            kubectl_->JsonPath("lease atrium-leader", "{.spec.holderIdentity}");
        return !holder.empty() && holder != first_identity;
      },
      kWait));
  // Lease duration (3 s) plus a retry period and kubectl's own latency.
  EXPECT_LT(std::chrono::steady_clock::now() - killed, milliseconds(6000));
  CommandResult deleted = kubectl_->Run("delete httproute web");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_TRUE(JsonPathIs("gateway quickstart", "{.status.listeners[0].attachedRoutes}", "1"));
  EXPECT_GT(second->Metric("atrium_status_writes_total"), 0);
  EXPECT_EQ(Get(second->proxy_port(), "api.example.com", "/v2/users").backend, "legacy");
  EXPECT_TRUE(Status(*second, "web.example.com", "/", 404));
}

}  // namespace
}  // namespace atrium::e2e
