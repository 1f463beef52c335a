#pragma once

// EventCorrelator is the pure half of the event recorder (event_recorder.h):
// it turns "this happened to that object" into the request to send, with no
// I/O and no clock of its own (callers pass the time), so it is tested with
// data alone. It behaves like client-go's EventCorrelator:
//   - a repeat of the same (object, type, reason, message) PATCHes count and
//     lastTimestamp of the Event created the first time instead of creating
//     another one (the cache of recent events is bounded, least recently
//     used first out);
//   - a spam filter, a token bucket per involved object (client-go: burst 25,
//     one more every 5 minutes), drops what an object emits beyond it.
//
// Threading: not thread-safe; the recorder uses it from its own thread only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace atrium::kube {

// ObjectReference is core/v1 ObjectReference: the object an Event is about.
struct ObjectReference {
  std::string api_version;  // "networking.k8s.io/v1"
  std::string kind;         // "Ingress"
  std::string ns;           // empty for cluster-scoped kinds
  std::string name;
  std::string uid;
  std::string resource_version;
  bool operator==(const ObjectReference&) const = default;
};

inline constexpr std::string_view kEventTypeNormal = "Normal";
inline constexpr std::string_view kEventTypeWarning = "Warning";

// EventRecord is one thing to report: what client-go's recorder.Event takes.
struct EventRecord {
  ObjectReference object;
  std::string type = std::string(kEventTypeWarning);
  std::string reason;   // CamelCase, short: "UnsupportedResourceBackend"
  std::string message;  // human-readable; never secret data
  // reportingComponent: the controller that acts ("atrium.dev/ingress-controller").
  std::string reporting_controller;
  bool operator==(const EventRecord&) const = default;
};

// EventSource says who emits: source.component and reportingInstance.
struct EventSource {
  std::string component = "atrium";
  std::string instance;  // the pod name (POD_NAME, else the host name)
};

struct CorrelatorOptions {
  // Recent events remembered for correlation (client-go: 4096).
  size_t max_cached = 4096;
  // Spam filter per involved object: this many at once, then one more per
  // refill interval (client-go: 25 and 5 minutes).
  double burst = 25;
  std::chrono::milliseconds refill{std::chrono::minutes(5)};
  // Longer messages are cut (the events.k8s.io API caps note at 1 kB).
  size_t max_message_bytes = 1024;
};

// EventAction is the request that reports an EventRecord.
struct EventAction {
  enum class Verb { kCreate, kPatch };
  Verb verb = Verb::kCreate;
  std::string ns;    // the Event's namespace
  std::string name;  // the Event's metadata.name
  // kCreate: the whole core/v1 Event; kPatch: a merge patch of count and
  // lastTimestamp.
  nlohmann::json body;
  std::string key;  // the correlation key, for Forget
};

class EventCorrelator {
 public:
  explicit EventCorrelator(EventSource source, CorrelatorOptions options = {});

  // Correlate decides how to report record at time now: create a new Event,
  // patch the one an identical earlier record created, or nothing (nullopt)
  // when the object's spam filter is empty. The cache is updated as if the
  // request succeeds; call Forget when it does not.
  std::optional<EventAction> Correlate(const EventRecord& record,
                                       std::chrono::system_clock::time_point now);

  // Forget drops what the cache holds for key (a create that failed, or a
  // patch of an Event the server no longer has): the next identical record
  // creates a new Event.
  void Forget(const std::string& key);

  size_t cached() const { return cache_.size(); }

  // Exposed for tests.
  static std::string KeyOf(const EventRecord& record);
  // EventNamespace is where an Event about object lives: its namespace, or
  // "default" for cluster-scoped objects (as client-go does).
  static std::string EventNamespace(const ObjectReference& object);
  // Sanitize makes message fit for an Event: cut to max_bytes on a UTF-8
  // boundary, and replaced outright if it holds a PEM block (key material
  // must never reach an Event).
  static std::string Sanitize(std::string_view message, size_t max_bytes);

 private:
  struct Cached {
    std::string ns;
    std::string name;
    int64_t count = 0;
    std::list<std::string>::iterator lru;
  };
  struct Bucket {
    double tokens = 0;
    std::chrono::system_clock::time_point updated;
  };

  bool TakeToken(const EventRecord& record, std::chrono::system_clock::time_point now);
  std::string UniqueName(const std::string& object_name, std::chrono::system_clock::time_point now);
  nlohmann::json NewEvent(const EventRecord& record, const std::string& ns, const std::string& name,
                          const std::string& timestamp, const std::string& message) const;

  const EventSource source_;
  const CorrelatorOptions options_;
  std::map<std::string, Cached> cache_;
  std::list<std::string> lru_;  // most recently used first
  std::map<std::string, Bucket> buckets_;
  uint64_t last_suffix_ = 0;
};

}  // namespace atrium::kube
