#include "controller/kube/event_recorder.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "base/log.h"
#include "controller/kube/resource_kind.h"

namespace atrium::kube {
namespace {

constexpr std::string_view kComponent = "events";

using Steady = std::chrono::steady_clock;

enum DropReason { kQueueFull = 0, kSpamFilter = 1, kFailed = 2 };
constexpr std::array<const char*, 3> kDropReasons = {"queue_full", "spam_filter", "failed"};

std::string Describe(const EventRecord& record) {
  const ObjectReference& o = record.object;
  return o.kind + " " + (o.ns.empty() ? o.name : o.ns + "/" + o.name);
}

}  // namespace

struct EventRecorder::Metrics {
  explicit Metrics(prometheus::Registry& registry) {
    auto& emitted = prometheus::BuildCounter()
                        .Name(std::string(kEventsEmittedMetric))
                        .Help("Kubernetes Event objects created or patched (count of a repeat).")
                        .Register(registry);
    created = &emitted.Add({{"verb", "create"}});
    patched = &emitted.Add({{"verb", "patch"}});
    auto& dropped = prometheus::BuildCounter()
                        .Name(std::string(kEventsDroppedMetric))
                        .Help(
                            "Kubernetes Events not emitted: queue full, spam filter of their "
                            "object, or the request failed.")
                        .Register(registry);
    for (size_t i = 0; i < kDropReasons.size(); ++i) {
      drops[i] = &dropped.Add({{"reason", kDropReasons[i]}});
    }
  }
  prometheus::Counter* created = nullptr;
  prometheus::Counter* patched = nullptr;
  std::array<prometheus::Counter*, kDropReasons.size()> drops{};
};

std::string InstanceName() {
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0') return pod;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') return host;
  return "atrium";
}

EventRecorder::EventRecorder(KubeClient& client, EventRecorderOptions options)
    : client_(client),
      options_(std::move(options)),
      metrics_(options_.registry ? std::make_unique<Metrics>(*options_.registry) : nullptr),
      correlator_(options_.source, options_.correlator) {}

EventRecorder::~EventRecorder() { Stop(); }

void EventRecorder::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void EventRecorder::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  std::lock_guard lock(mutex_);
  queue_.clear();
  busy_ = false;
  changed_.notify_all();
}

bool EventRecorder::Leading() const { return !options_.is_leader || options_.is_leader(); }

std::chrono::system_clock::time_point EventRecorder::Now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

void EventRecorder::CountDropped(int reason) {
  {
    std::lock_guard lock(mutex_);
    ++dropped_;
  }
  if (metrics_) metrics_->drops[reason]->Increment();
}

bool EventRecorder::Record(EventRecord record) {
  if (!Leading()) return false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() < options_.queue_capacity) {
      queue_.push_back(std::move(record));
      changed_.notify_all();
      return true;
    }
  }
  log::Warn(kComponent, "event queue full; event dropped",
            {{"object", Describe(record)}, {"reason", record.reason}});
  CountDropped(kQueueFull);
  return false;
}

bool EventRecorder::WaitIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

uint64_t EventRecorder::emitted() const {
  std::lock_guard lock(mutex_);
  return emitted_;
}

uint64_t EventRecorder::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void EventRecorder::Run(std::stop_token stop) {
  // A token bucket over every request this recorder sends.
  const double burst = std::max(1.0, options_.burst);
  double tokens = burst;
  Steady::time_point updated = Steady::now();
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (queue_.empty()) {
      changed_.wait(lock, stop, [this] { return !queue_.empty(); });
      continue;
    }
    const Steady::time_point now = Steady::now();
    if (options_.qps > 0) {
      tokens = std::min(
          burst, tokens + std::chrono::duration<double>(now - updated).count() * options_.qps);
    } else {
      tokens = burst;
    }
    updated = now;
    if (tokens < 1) {
      const auto wait = std::chrono::duration<double>((1 - tokens) / options_.qps);
      changed_.wait_until(lock, stop, now + std::chrono::duration_cast<Steady::duration>(wait),
                          [] { return false; });
      continue;
    }
    tokens -= 1;
    EventRecord record = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();

    // Leadership may have been lost while the record waited.
    if (Leading()) Send(record, stop);

    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

void EventRecorder::Send(const EventRecord& record, const std::stop_token& stop) {
  const ResourceKind& events = EventKind();
  std::optional<EventAction> action = correlator_.Correlate(record, Now());
  if (!action) {
    log::Debug(kComponent, "event dropped by the spam filter of its object",
               {{"object", Describe(record)}, {"reason", record.reason}});
    CountDropped(kSpamFilter);
    return;
  }
  HttpResponse response;
  if (action->verb == EventAction::Verb::kPatch) {
    response = client_.Patch(events.ObjectPath(action->ns, action->name), action->body.dump(),
                             kMergePatchContentType, stop);
    if (response.status == 404) {
      // The Event expired (the API server keeps them for an hour): make a new one.
      correlator_.Forget(action->key);
      action = correlator_.Correlate(record, Now());
      if (!action) {
        CountDropped(kSpamFilter);
        return;
      }
    }
  }
  if (action->verb == EventAction::Verb::kCreate) {
    response = client_.Post(events.CollectionPath(action->ns), action->body.dump(), stop);
  }
  if (response.stopped) return;
  if (!response.ok()) {
    // A patch that failed leaves the Event as it was; a create that failed
    // leaves nothing to patch.
    if (action->verb == EventAction::Verb::kCreate) correlator_.Forget(action->key);
    log::Warn(
        kComponent, "cannot write event",
        {{"object", Describe(record)}, {"reason", record.reason}, {"error", response.Describe()}});
    CountDropped(kFailed);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    ++emitted_;
  }
  if (metrics_) {
    (action->verb == EventAction::Verb::kCreate ? metrics_->created : metrics_->patched)
        ->Increment();
  }
}

}  // namespace atrium::kube
