#include "controller/kube/event_correlator.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "base/time_format.h"

namespace atrium::kube {
namespace {

// Object names are DNS subdomains (at most 253 characters); the suffix is a
// dot and up to 16 hex digits.
constexpr size_t kMaxNameBytes = 253;
constexpr size_t kMaxSuffixBytes = 17;

std::string ObjectKeyOf(const ObjectReference& object) {
  return nlohmann::json::array({object.kind, object.ns, object.name, object.uid}).dump();
}

}  // namespace

EventCorrelator::EventCorrelator(EventSource source, CorrelatorOptions options)
    : source_(std::move(source)), options_(options) {}

std::string EventCorrelator::KeyOf(const EventRecord& record) {
  // The resourceVersion is left out: a repeat about a newer version of the
  // same object is still the same event (client-go leaves it out too).
  const ObjectReference& o = record.object;
  return nlohmann::json::array({o.api_version, o.kind, o.ns, o.name, o.uid, record.type,
                                record.reason, record.message, record.reporting_controller})
      .dump();
}

std::string EventCorrelator::EventNamespace(const ObjectReference& object) {
  return object.ns.empty() ? "default" : object.ns;
}

std::string EventCorrelator::Sanitize(std::string_view message, size_t max_bytes) {
  if (message.find("-----BEGIN") != std::string_view::npos) {
    return "(message withheld: it quoted PEM data)";
  }
  if (message.size() <= max_bytes) return std::string(message);
  size_t cut = max_bytes;
  // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  return std::string(message.substr(0, cut));
}

bool EventCorrelator::TakeToken(const EventRecord& record,
                                std::chrono::system_clock::time_point now) {
  const std::string key = ObjectKeyOf(record.object);
  auto refill = [this, now](Bucket& bucket) {
    if (now > bucket.updated && options_.refill.count() > 0) {
      const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
      const double per_token = std::chrono::duration<double>(options_.refill).count();
      bucket.tokens = std::min(options_.burst, bucket.tokens + elapsed / per_token);
    }
    bucket.updated = std::max(bucket.updated, now);
  };
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    // Bound the filter's memory: a full bucket holds no information.
    if (buckets_.size() >= options_.max_cached) {
      for (auto bucket = buckets_.begin(); bucket != buckets_.end();) {
        refill(bucket->second);
        bucket =
            bucket->second.tokens >= options_.burst ? buckets_.erase(bucket) : std::next(bucket);
      }
    }
    it = buckets_.emplace(key, Bucket{options_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  refill(bucket);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

std::string EventCorrelator::UniqueName(const std::string& object_name,
                                        std::chrono::system_clock::time_point now) {
  // client-go names events "<object>.<unix nanoseconds in hex>"; two events
  // within the same nanosecond still get different names.
  uint64_t suffix = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
  if (suffix <= last_suffix_) suffix = last_suffix_ + 1;
  last_suffix_ = suffix;
  char hex[kMaxSuffixBytes + 1];
  std::snprintf(hex, sizeof(hex), ".%llx", static_cast<unsigned long long>(suffix));
  std::string prefix = object_name.substr(0, kMaxNameBytes - kMaxSuffixBytes);
  return prefix + hex;
}

nlohmann::json EventCorrelator::NewEvent(const EventRecord& record, const std::string& ns,
                                         const std::string& name, const std::string& timestamp,
                                         const std::string& message) const {
  const ObjectReference& o = record.object;
  nlohmann::json involved = {{"apiVersion", o.api_version}, {"kind", o.kind}, {"name", o.name}};
  if (!o.ns.empty()) involved["namespace"] = o.ns;
  if (!o.uid.empty()) involved["uid"] = o.uid;
  if (!o.resource_version.empty()) involved["resourceVersion"] = o.resource_version;
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"involvedObject", std::move(involved)},
      {"type", record.type},
      {"reason", record.reason},
      {"message", message},
      {"source", {{"component", source_.component}}},
      {"reportingComponent",
       record.reporting_controller.empty() ? source_.component : record.reporting_controller},
      {"reportingInstance", source_.instance},
      {"firstTimestamp", timestamp},
      {"lastTimestamp", timestamp},
      {"count", 1},
  };
  return event;
}

std::optional<EventAction> EventCorrelator::Correlate(const EventRecord& record,
                                                      std::chrono::system_clock::time_point now) {
  EventRecord cleaned = record;
  cleaned.message = Sanitize(record.message, options_.max_message_bytes);
  if (!TakeToken(cleaned, now)) return std::nullopt;
  const std::string key = KeyOf(cleaned);
  const std::string timestamp = base::FormatTime(now);

  auto it = cache_.find(key);
  if (it != cache_.end()) {
    Cached& cached = it->second;
    ++cached.count;
    lru_.splice(lru_.begin(), lru_, cached.lru);
    EventAction action;
    action.verb = EventAction::Verb::kPatch;
    action.ns = cached.ns;
    action.name = cached.name;
    action.body = {{"count", cached.count}, {"lastTimestamp", timestamp}};
    action.key = key;
    return action;
  }

  EventAction action;
  action.verb = EventAction::Verb::kCreate;
  action.ns = EventNamespace(cleaned.object);
  action.name = UniqueName(cleaned.object.name, now);
  action.body = NewEvent(cleaned, action.ns, action.name, timestamp, cleaned.message);
  action.key = key;

  if (cache_.size() >= options_.max_cached && !lru_.empty()) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  cache_.emplace(key, Cached{action.ns, action.name, 1, lru_.begin()});
  return action;
}

void EventCorrelator::Forget(const std::string& key) {
  auto it = cache_.find(key);
  if (it == cache_.end()) return;
  lru_.erase(it->second.lru);
  cache_.erase(it);
}

}  // namespace atrium::kube
