#pragma once

// Informer keeps Atrium's copy of one kind of object (in one namespace, or
// cluster-wide) current with the API server, the way client-go's reflector
// does:
//   1. a paginated LIST (limit/continue) gives every object and a
//      resourceVersion;
//   2. a WATCH from that resourceVersion with allowWatchBookmarks streams
//      changes; bookmarks advance the resourceVersion without objects;
//   3. when the watch ends (timeoutSeconds, a dropped connection) it resumes
//      from the last resourceVersion seen, without listing again;
//   4. when that version is too old (410 Gone, as an HTTP status or as an
//      ERROR event) it lists again and reports deletions for objects that
//      vanished while it was away;
//   5. errors and 429s wait a jittered exponential backoff (at least the
//      Retry-After the server sent).
// When the kind's API is not served at all (404 on the LIST: the Gateway API
// CRDs are not installed) it logs that once, counts itself synced with no
// objects (so that Ingress is served), and tries again periodically, so the
// kind starts being watched once its CRDs appear.
//
// Threading: Start runs the informer on a thread of its own; the callbacks
// are called on that thread, one at a time per informer (several informers
// call them concurrently). Stop interrupts any request in flight and joins
// the thread. Lifetime: the client, the metrics and whatever the callbacks
// capture must outlive the informer (or its Stop).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "controller/kube/backoff.h"
#include "controller/kube/kube_client.h"
#include "controller/kube/kube_metrics.h"
#include "controller/kube/resource_kind.h"

namespace atrium::kube {

struct InformerCallbacks {
  // on_upsert receives each new or changed object (with kind and apiVersion
  // set, metadata.managedFields removed). Never log a Secret's data.
  std::function<void(std::string_view kind, nlohmann::json object)> on_upsert;
  // on_delete receives the key ("namespace/name", or "name") of an object
  // that is gone.
  std::function<void(std::string_view kind, const std::string& key)> on_delete;
  // on_synced is called once, after the first LIST finished (or the kind's
  // API was found absent).
  std::function<void()> on_synced;
};

struct InformerOptions {
  // The namespace to watch; "" for all namespaces. Ignored (cluster-wide)
  // for cluster-scoped kinds.
  std::string ns;
  std::string label_selector;
  std::string field_selector;
  // filter, when set, keeps only objects for which it returns true; others
  // are treated as absent (a Secret that is not kubernetes.io/tls).
  std::function<bool(const nlohmann::json& object)> filter;
  int64_t page_size = 500;
  BackoffOptions backoff;
  // How often a kind whose API is not served (404) is tried again.
  std::chrono::milliseconds absent_retry{std::chrono::seconds(30)};
  // Each watch asks the server to end it after a random time in this range
  // (timeoutSeconds), so that watches are spread out and rebalanced.
  std::chrono::seconds watch_timeout_min{std::chrono::minutes(5)};
  std::chrono::seconds watch_timeout_max{std::chrono::minutes(10)};
  // A watch with no byte for this long is considered dead (0: rely on TCP
  // keepalive and on timeoutSeconds alone). Keep it above the server's
  // bookmark interval.
  std::chrono::seconds watch_idle_timeout{0};
  // A watch that ends this soon without delivering a line is a failure
  // (backoff) rather than a normal end (resume at once).
  std::chrono::milliseconds min_healthy_watch{std::chrono::seconds(1)};
  uint64_t seed = std::random_device{}();
};

class Informer {
 public:
  Informer(KubeClient& client, ResourceKind kind, InformerOptions options,
           InformerCallbacks callbacks, KubeMetrics* metrics = nullptr);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void Start();
  // RequestStop asks the informer to stop without waiting (to stop many at
  // once); Stop then joins.
  void RequestStop() { thread_.request_stop(); }
  // Stop ends the informer promptly (it interrupts the LIST or WATCH in
  // flight). Idempotent; also called by the destructor.
  void Stop();

  const ResourceKind& kind() const { return kind_; }
  // synced: the first LIST finished (or the API was found absent).
  bool synced() const { return synced_.load(); }
  // served: false while the kind's API answers 404.
  bool served() const { return served_.load(); }
  // resource_version is the last resourceVersion seen (LIST, event, bookmark).
  std::string resource_version() const;
  // size is the number of objects the informer knows of.
  size_t size() const { return known_count_.load(); }

 private:
  enum class ListOutcome { kOk, kAbsent, kError, kStopped };
  enum class WatchOutcome { kResume, kRelist, kError, kStopped };

  void Run(std::stop_token stop);
  ListOutcome List(const std::stop_token& stop, std::optional<std::chrono::seconds>* retry_after);
  WatchOutcome Watch(const std::stop_token& stop, std::optional<std::chrono::seconds>* retry_after);
  // HandleEvent applies one watch line; false ends the watch with *outcome.
  bool HandleEvent(std::string_view line, WatchOutcome* outcome);
  void Upsert(nlohmann::json object);
  void Delete(const std::string& key);
  void MarkSynced();
  void SetResourceVersion(std::string version);
  std::string SelectorQuery() const;

  KubeClient& client_;
  const ResourceKind kind_;
  const InformerOptions options_;
  const InformerCallbacks callbacks_;
  std::optional<KindMetrics> metrics_;
  const std::string log_scope_;  // "HTTPRoute" or "HTTPRoute in ns"

  std::atomic<bool> synced_{false};
  std::atomic<bool> served_{true};
  std::atomic<size_t> known_count_{0};

  mutable std::mutex version_mutex_;
  std::string resource_version_;

  // Informer thread only: key -> resourceVersion of every known object.
  std::unordered_map<std::string, std::string> known_;
  std::mt19937_64 random_;
  std::jthread thread_;
};

}  // namespace atrium::kube
