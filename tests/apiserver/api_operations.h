#pragma once

// ApiOperations holds the Kubernetes semantics of the test API server:
// create/get/list/update/patch/delete with the rules clients rely on.
//   - metadata: uid, creationTimestamp, generation (1 on create, +1 when
//     anything but metadata and status changes), resourceVersion from the
//     store's single counter; generateName; finalizers delay deletion.
//   - status subresource: writes to the main resource keep the stored status,
//     writes to .../status change only the status.
//   - optimistic concurrency: a stale metadata.resourceVersion (or uid) in an
//     update, patch or delete precondition is a 409 Conflict; an update that
//     changes nothing is not written (no new resourceVersion, no event).
//   - LIST: labelSelector, fieldSelector, limit/continue, resourceVersion with
//     resourceVersionMatch NotOlderThan/Exact, 410 Expired when compacted.
//   - namespaced objects need their Namespace; deleting a Namespace deletes
//     what it holds; creating a CustomResourceDefinition serves its resource,
//     deleting it removes the resource and its objects.
// HTTP and the C++ fixture API both call these, so both behave the same.
//
// Threading: every method may be called from any thread; atomicity comes
// from ObjectStore::Write. The registry and store outlive this object.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tests/apiserver/api_result.h"
#include "tests/apiserver/object_store.h"
#include "tests/apiserver/patch.h"
#include "tests/apiserver/resource_registry.h"
#include "tests/apiserver/selectors.h"

namespace atrium::testing {

// RequestScope is what a URL names: a collection, or one object in it, and
// optionally its status subresource.
struct RequestScope {
  ResourceTypePtr type;
  std::string version;      // the requested version: objects come back in it
  std::string ns;           // "" for cluster-scoped kinds or all namespaces
  std::string name;         // "" for the collection
  std::string subresource;  // "" or "status"
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;
  std::string continue_token;
  std::string resource_version;        // "", "0" or a version
  std::string resource_version_match;  // "", "NotOlderThan" or "Exact"
};

struct WriteOptions {
  bool dry_run = false;
  std::string field_manager;
  bool force = false;
  // keep_status lets the C++ fixture seed objects with a status (a Service
  // with a load-balancer address); over HTTP, create drops the status of
  // kinds that have a status subresource, as the real server does.
  bool keep_status = false;
};

// ParsedSelectors are a LIST or WATCH request's label and field selectors.
struct ParsedSelectors {
  LabelSelector labels;
  FieldSelector fields;
  bool Matches(const nlohmann::json& object) const {
    return labels.Matches(object) && fields.Matches(object);
  }
};

// ParseResourceVersion reads a resourceVersion query parameter: a decimal
// number, as this server's versions are.
std::optional<int64_t> ParseResourceVersion(std::string_view text);

class ApiOperations {
 public:
  struct Options {
    bool require_namespaces = true;
  };

  ApiOperations(ObjectStore* store, ResourceRegistry* registry, Options options);

  ApiOperations(const ApiOperations&) = delete;
  ApiOperations& operator=(const ApiOperations&) = delete;

  // Bootstrap serves the built-in types and creates the namespaces every
  // cluster has (default, kube-system, kube-public, kube-node-lease).
  void Bootstrap();

  ApiResult Get(const RequestScope& scope);
  ApiResult List(const RequestScope& scope, const ListOptions& options);
  ApiResult Create(const RequestScope& scope, nlohmann::json body, const WriteOptions& options);
  ApiResult Update(const RequestScope& scope, nlohmann::json body, const WriteOptions& options);
  ApiResult Patch(const RequestScope& scope, PatchType type, const nlohmann::json& patch,
                  const WriteOptions& options);
  ApiResult Delete(const RequestScope& scope, const nlohmann::json& delete_options,
                   const WriteOptions& options);
  ApiResult DeleteCollection(const RequestScope& scope, const ListOptions& options,
                             const WriteOptions& write);

  // Output renders a stored object in the scope's requested version.
  static nlohmann::json Output(const RequestScope& scope, const nlohmann::json& stored);
  // StoreKey is the store key of name in the scope's namespace.
  static std::string StoreKey(const RequestScope& scope, const std::string& name);
  // KeyPrefix is the store key prefix of the scope's namespace ("" for all).
  static std::string KeyPrefix(const RequestScope& scope);

  // ParseSelectors parses the selectors of options; a 400 result on error.
  static std::optional<ParsedSelectors> ParseSelectors(const ListOptions& options,
                                                       ApiResult* error);

  ObjectStore* store() { return store_; }
  ResourceRegistry* registry() { return registry_; }

 private:
  // PrepareUpdate computes what replaces current; false and *error when the
  // update is refused.
  bool PrepareUpdate(const RequestScope& scope, const nlohmann::json& current,
                     nlohmann::json incoming, nlohmann::json* out, ApiResult* error) const;
  // PrepareCreate fills server-set metadata and kind defaults.
  bool PrepareCreate(const RequestScope& scope, nlohmann::json* object, const WriteOptions& options,
                     ApiResult* error);
  ApiResult Put(const RequestScope& scope,
                const std::function<bool(const nlohmann::json& current, nlohmann::json* incoming,
                                         ApiResult* error)>& mutate,
                const WriteOptions& options, const nlohmann::json* create_from);
  bool NamespaceExists(const std::string& ns) const;
  void AfterWrite(const RequestScope& scope, const ObjectPtr& stored, bool deleted);
  void DeleteNamespaceContents(const std::string& ns);
  std::string NewUid();
  std::string AllocateClusterIp();

  ObjectStore* const store_;
  ResourceRegistry* const registry_;
  const Options options_;

  std::mutex mutex_;  // guards the members below
  uint64_t random_state_;
  uint32_t next_cluster_ip_ = 1;
  // Server-side apply: the last configuration each field manager applied,
  // by "resource|key|subresource" then manager.
  std::map<std::string, std::map<std::string, nlohmann::json>> applied_;
};

}  // namespace atrium::testing
