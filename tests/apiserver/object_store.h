#pragma once

// ObjectStore is the test API server's etcd: every object of every resource,
// one global resourceVersion counter, and a bounded history of change events
// from which watches resume and past states are rebuilt. It knows nothing of
// Kubernetes rules beyond stamping metadata.resourceVersion; ApiOperations
// decides what a write means.
//
// Threading: every method is safe to call from any thread. One mutex guards
// the whole store; WaitForEvents blocks on a condition variable that every
// write, DropWatches, RequestBookmarks and Shutdown signal.
// Lifetime: objects are handed out as shared pointers to immutable JSON, so
// a reader keeps what it got after the store changed or went away.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace atrium::testing {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

enum class EventType { kAdded, kModified, kDeleted };

const char* EventTypeName(EventType type);

// StoreEvent is one change. For kDeleted, object is the last state stamped
// with the deletion's resourceVersion, as the real API server sends it.
struct StoreEvent {
  int64_t rv = 0;
  EventType type = EventType::kAdded;
  std::string resource;  // ResourceType::Key(), e.g. "gateway.networking.k8s.io/httproutes"
  std::string key;       // "namespace/name", or "name" for cluster-scoped objects
  ObjectPtr object;
  ObjectPtr previous;  // null for kAdded
};

// Snapshot is the state of one resource at resource version rv, sorted by key
// (the order etcd returns keys in).
struct Snapshot {
  int64_t rv = 0;
  std::vector<std::pair<std::string, ObjectPtr>> objects;
};

// WriteDecision is what a write callback decides after seeing the current
// object: leave it (kAbort), store object (kPut) or delete it (kDelete).
struct WriteDecision {
  enum class Action { kAbort, kPut, kDelete };
  Action action = Action::kAbort;
  nlohmann::json object;  // kPut: the new object; the store stamps its resourceVersion
};

// WatchCursor identifies where a watcher is: the last resourceVersion it has
// delivered and the epochs that end it when they change.
struct WatchCursor {
  int64_t rv = 0;
  uint64_t drop_epoch = 0;
  uint64_t resource_epoch = 0;
  uint64_t bookmark_epoch = 0;
};

enum class WaitResult {
  kEvents,     // events were appended to the output
  kTimeout,    // the deadline passed
  kBookmark,   // RequestBookmarks was called
  kDropped,    // DropWatches or Shutdown: end the stream abruptly
  kGone,       // the resource was removed (its CRD deleted): end the stream
  kCompacted,  // events after cursor.rv are no longer known: send 410 and end
};

class ObjectStore {
 public:
  explicit ObjectStore(size_t history_limit = 100000);

  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Write runs decide under the store lock with the current object (null when
  // absent) and applies its decision atomically. Returns the stored object
  // (kPut) or the deleted object stamped with the deletion's version
  // (kDelete); null when decide aborted. decide must not call the store.
  ObjectPtr Write(const std::string& resource, const std::string& key,
                  const std::function<WriteDecision(const ObjectPtr& current)>& decide);

  ObjectPtr Get(const std::string& resource, const std::string& key) const;

  // List returns the current objects of resource whose key starts with
  // key_prefix ("ns/" selects one namespace, "" everything).
  Snapshot List(const std::string& resource, const std::string& key_prefix = "") const;

  // ListAt rebuilds the objects of resource as they were at rv; nullopt when
  // rv is older than the compacted history.
  std::optional<Snapshot> ListAt(const std::string& resource, int64_t rv,
                                 const std::string& key_prefix = "") const;

  // Keys of every resource that holds at least one object.
  std::vector<std::string> Resources() const;

  int64_t rv() const;
  // Events with rv <= compacted_rv() are forgotten: a watch or exact list
  // from an older version gets 410 Gone.
  int64_t compacted_rv() const;

  // Compact forgets all history and advances the counter by one, so every
  // resourceVersion a client holds becomes too old (410 Gone), the way a
  // restarted API server with a compacted etcd behaves.
  void Compact();

  // Watching. StartWatch returns a cursor at rv for resource. Open watchers
  // are counted until EndWatch.
  WatchCursor StartWatch(const std::string& resource, int64_t rv);
  void EndWatch();
  size_t open_watches() const;
  // WaitForOpenWatches waits until pred(open watches) holds; pred runs under
  // the store lock and must not call the store.
  bool WaitForOpenWatches(const std::function<bool(size_t)>& pred,
                          std::chrono::steady_clock::time_point deadline);

  // WaitForEvents appends the events of resource after cursor->rv (advancing
  // it) or waits until the deadline, a bookmark request, a drop or a compaction.
  WaitResult WaitForEvents(const std::string& resource, WatchCursor* cursor,
                           std::chrono::steady_clock::time_point deadline,
                           std::vector<StoreEvent>* out);

  // DropWatches ends every open watch abruptly.
  void DropWatches();
  // DropResource deletes every object of resource (emitting kDeleted events)
  // and ends the watches on it.
  void DropResource(const std::string& resource);
  // RequestBookmarks wakes every watcher to send a bookmark now.
  void RequestBookmarks();

  // WaitForChange blocks until the store's resourceVersion exceeds rv or the
  // deadline passes; it returns whether it did. Read rv() first, then the
  // objects, then wait: no write can slip between.
  bool WaitForChange(int64_t rv, std::chrono::steady_clock::time_point deadline);

 private:
  using ObjectMap = std::map<std::string, ObjectPtr>;

  int64_t NextRvLocked();
  void RecordLocked(StoreEvent event);
  static ObjectPtr Stamp(nlohmann::json object, int64_t rv);
  Snapshot FilterLocked(const ObjectMap& objects, int64_t rv, const std::string& prefix) const;

  const size_t history_limit_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int64_t rv_ = 1;
  int64_t compacted_rv_ = 0;
  std::map<std::string, ObjectMap> resources_;
  std::deque<StoreEvent> history_;
  uint64_t drop_epoch_ = 0;
  uint64_t bookmark_epoch_ = 0;
  std::map<std::string, uint64_t> resource_epochs_;
  size_t open_watches_ = 0;
};

}  // namespace atrium::testing
