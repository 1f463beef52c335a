#pragma once

// ApiServer is the test Kubernetes API server: faithful enough that the real
// kubectl works against it and that Atrium's API client can list and watch
// it, small enough to start per test. Use it in-process as a GoogleTest
// fixture member, or through the atrium_test_apiserver program.
//
//   atrium::testing::ApiServer api;               // defaults: HTTPS, token auth,
//   ASSERT_TRUE(api.Start()) << api.error();      // Gateway API CRDs installed
//   api.WriteKubeconfig(dir + "/kubeconfig");     // for kubectl and Atrium
//   api.ApplyYaml(R"(apiVersion: v1 ...)");       // seed objects directly
//   api.WaitFor("httproutes", "default", "web", [](const json* o) { ... }, 5s);
//   api.DropWatches();                            // inject faults
//
// What it serves, how it behaves and where it differs from a real API server
// is described in tests/apiserver/README.md.
//
// Threading: every public method is safe to call from any thread, while
// clients are connected. Start/Stop/Restart serialize with each other.
// Lifetime: the destructor stops the server; objects survive Restart.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/apiserver/api_result.h"
#include "tests/apiserver/fault_injector.h"
#include "tests/apiserver/kubeconfig.h"
#include "tests/apiserver/patch.h"

namespace atrium::testing {

class ApiOperations;
class Authenticator;
class HttpFrontend;
class ObjectStore;
class RequestStats;
class ResourceRegistry;
struct TlsMaterial;

struct ApiServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: a free port, see port()
  // The bearer token clients must send; empty disables authentication.
  std::string token = "atrium-test-token";
  // Serve HTTPS with a freshly generated CA (see ca_pem()). kubectl sends
  // bearer tokens only over HTTPS, so plain HTTP suits clients other than
  // kubectl (or token = "").
  bool tls = true;
  // Serve gateway.networking.k8s.io from the start (its CRDs installed).
  bool gateway_api = true;
  // Refuse namespaced objects whose Namespace does not exist, like the real
  // NamespaceLifecycle admission. default, kube-system, kube-public and
  // kube-node-lease always exist.
  bool require_namespaces = true;
  // Change events kept for watches to resume from; older resourceVersions
  // are compacted (410 Gone).
  size_t history_limit = 100000;
  // How often a watch with allowWatchBookmarks=true gets a BOOKMARK.
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(1)};
  // How long a watch lasts when the client sets no timeoutSeconds.
  std::chrono::milliseconds default_watch_timeout{std::chrono::minutes(30)};
};

struct RestartOptions {
  // Forget the change history and advance the resourceVersion, so every
  // version a client holds is 410 Gone (watch and exact LIST alike).
  bool compact = true;
  // How long the port stays closed (connections refused) before serving again.
  std::chrono::milliseconds downtime{0};
};

class ApiServer {
 public:
  explicit ApiServer(ApiServerOptions options = {});
  ~ApiServer();

  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Start serves on options.address; false with error() on failure.
  bool Start();
  void Stop();
  // Restart stops serving (every connection, watches included, is cut),
  // optionally compacts, and serves again on the same port.
  bool Restart(const RestartOptions& options = {});
  bool running() const;
  std::string error() const;

  int port() const;
  std::string url() const;  // "http://127.0.0.1:PORT" or "https://..."
  std::string token() const;
  // SetToken changes the accepted token at once (token rotation tests).
  void SetToken(std::string token);
  bool tls() const { return options_.tls; }
  // ca_pem is the CA certificate that signed the HTTPS certificate ("" for HTTP).
  std::string ca_pem() const;
  // WriteKubeconfig writes a kubeconfig kubectl and Atrium can use.
  bool WriteKubeconfig(const std::string& path, const KubeconfigOptions& options = {}) const;

  // Direct object access, with the same rules as the HTTP API (the results
  // are what HTTP would answer). resource names a collection the way kubectl
  // does: "httproutes", "httproute.gateway.networking.k8s.io", "HTTPRoute",
  // "svc". Create keeps a status given in the object (to seed, say, a
  // Service's load-balancer address); over HTTP it would be dropped.
  // Namespaced objects without metadata.namespace go to "default".
  ApiResult Create(nlohmann::json object);
  ApiResult Update(nlohmann::json object);
  ApiResult UpdateStatus(nlohmann::json object);
  ApiResult Patch(std::string_view resource, std::string_view ns, std::string_view name,
                  PatchType type, const nlohmann::json& patch);
  // Apply is server-side apply of object by field_manager (creates if absent).
  ApiResult Apply(nlohmann::json object, const std::string& field_manager = "atrium-test");
  // ApplyYaml applies every document of a (multi-document) YAML text in
  // order; one result per document (a parse error yields a single 400).
  std::vector<ApiResult> ApplyYaml(std::string_view yaml,
                                   const std::string& field_manager = "atrium-test");
  ApiResult Delete(std::string_view resource, std::string_view ns, std::string_view name);
  std::optional<nlohmann::json> Get(std::string_view resource, std::string_view ns,
                                    std::string_view name) const;
  // List returns the objects of resource in ns ("" for all), sorted by
  // namespace and name.
  std::vector<nlohmann::json> List(std::string_view resource, std::string_view ns = "") const;
  // WaitFor waits until pred holds for the object (null while it is absent)
  // or the timeout passes; it returns whether pred held. pred runs on the
  // calling thread after every change to the store.
  bool WaitFor(std::string_view resource, std::string_view ns, std::string_view name,
               const std::function<bool(const nlohmann::json* object)>& pred,
               std::chrono::milliseconds timeout) const;
  // resource_version is the current value of the global counter.
  int64_t resource_version() const;

  // The Gateway API group: installing creates its CRDs (so CRD watchers see
  // them) and serves the group; uninstalling deletes them with their objects.
  bool InstallGatewayApi();
  bool UninstallGatewayApi();
  bool gateway_api_installed() const;

  // Fault injection.
  void DropWatches();                                      // cut every open watch now
  void FailRequests(FailureRule rule);                     // 500/429/... for N requests or a while
  void SetResponseDelay(std::chrono::milliseconds delay);  // every request waits first
  void ClearFaults();                                      // failures and delay
  void Compact();                                          // old resourceVersions become 410 Gone
  void SendBookmarks();                                    // a BOOKMARK on every bookmark watch now

  // Observability.
  size_t open_watches() const;
  // WaitForOpenWatches waits until at least n watches are open (a client
  // has started its informers); WaitForNoWatches until none is.
  bool WaitForOpenWatches(size_t n, std::chrono::milliseconds timeout) const;
  bool WaitForNoWatches(std::chrono::milliseconds timeout) const;
  // RequestCount counts requests by verb (get, list, watch, create, update,
  // patch, delete, deletecollection) and resource "group/plural[/status]",
  // e.g. RequestCount("update", "gateway.networking.k8s.io/gateways/status").
  uint64_t RequestCount(std::string_view verb, std::string_view resource) const;
  std::map<std::string, uint64_t> RequestCounts() const;
  void ResetRequestCounts();
  uint64_t injected_failures() const;
  // delayed_requests is how many requests are sleeping out SetResponseDelay now.
  size_t delayed_requests() const;

  // The internals, for the admin endpoints and white-box tests.
  ApiOperations& operations() { return *operations_; }
  ObjectStore& store() { return *store_; }

 private:
  bool StartLocked();
  void StopLocked();
  void SetError(std::string error);

  const ApiServerOptions options_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<ResourceRegistry> registry_;
  std::unique_ptr<ApiOperations> operations_;
  std::unique_ptr<FaultInjector> faults_;
  std::unique_ptr<RequestStats> stats_;
  std::unique_ptr<Authenticator> auth_;
  std::shared_ptr<const TlsMaterial> tls_material_;  // guarded by state_mutex_
  // lifecycle_mutex_ serializes Start/Stop/Restart (a Restart holds it for
  // its whole downtime) and guards frontend_. The accessors below must not
  // wait on it: a test probes port() while the server restarts.
  std::mutex lifecycle_mutex_;
  std::unique_ptr<HttpFrontend> frontend_;
  std::atomic<int> port_{0};
  std::atomic<bool> running_{false};
  mutable std::mutex state_mutex_;  // guards error_ and tls_material_
  std::string error_;
};

}  // namespace atrium::testing
