#pragma once

// EventRecorder emits core/v1 Events to the API server, the way client-go's
// record.EventRecorder does: Record queues an EventRecord and returns at
// once; the recorder's own thread correlates it (event_correlator.h: a
// repeat patches count and lastTimestamp of the Event made the first time)
// and sends it, POST /api/v1/namespaces/{ns}/events or a merge PATCH of
// that Event.
//   - never blocks the caller: the queue is bounded, and a record that does
//     not fit is dropped and counted;
//   - rate limited: a token bucket over all requests (qps, burst), on top of
//     the correlator's spam filter per object;
//   - only while is_leader() holds: a replica that does not lead drops what
//     it is given (its leader reports the same problems);
//   - best effort: a request that fails is logged and counted, not retried
//     (the next identical record tries again).
// Metrics (when a registry is given; labels are fixed sets):
//   atrium_kube_events_emitted_total{verb="create|patch"}
//   atrium_kube_events_dropped_total{reason="queue_full|spam_filter|failed"}
//
// Threading: Record and the accessors may be called from any thread.
// Lifetime: the client must outlive the recorder (or its Stop).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "controller/kube/event_correlator.h"
#include "controller/kube/kube_client.h"

namespace prometheus {
class Registry;
}

namespace atrium::kube {

inline constexpr std::string_view kEventsEmittedMetric = "atrium_kube_events_emitted_total";
inline constexpr std::string_view kEventsDroppedMetric = "atrium_kube_events_dropped_total";

struct EventRecorderOptions {
  EventSource source;
  CorrelatorOptions correlator;
  // Records waiting to be sent; more are dropped.
  size_t queue_capacity = 1000;
  // Requests per second over everything this recorder sends, with bursts
  // of up to burst (client-go's event broadcaster: 1/300 per object is the
  // spam filter; this bounds the total).
  double qps = 10;
  double burst = 25;
  // Only emit while this returns true; null: always. Called from Record's
  // caller and the recorder thread, so it must be thread-safe.
  std::function<bool()> is_leader;
  // The wall clock, for timestamps and names; null: the system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  std::shared_ptr<prometheus::Registry> registry;  // null: no metrics
};

// InstanceName is POD_NAME from the environment, else the host name.
std::string InstanceName();

class EventRecorder {
 public:
  EventRecorder(KubeClient& client, EventRecorderOptions options);
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void Start();
  // Stop interrupts a request in flight and joins the thread; what is still
  // queued is dropped.
  void Stop();

  // Record queues record; false when it was not queued (not leading, or the
  // queue is full).
  bool Record(EventRecord record);

  // WaitIdle waits until the queue is empty and no request is in flight.
  bool WaitIdle(std::chrono::milliseconds timeout) const;

  uint64_t emitted() const;  // creates and patches the server accepted
  uint64_t dropped() const;  // queue full, spam filter, failed requests

 private:
  struct Metrics;
  void Run(std::stop_token stop);
  bool Leading() const;
  std::chrono::system_clock::time_point Now() const;
  // Send reports one record (recorder thread).
  void Send(const EventRecord& record, const std::stop_token& stop);
  void CountDropped(int reason);

  KubeClient& client_;
  const EventRecorderOptions options_;
  std::unique_ptr<Metrics> metrics_;
  EventCorrelator correlator_;  // recorder thread only

  mutable std::mutex mutex_;
  mutable std::condition_variable_any changed_;
  std::deque<EventRecord> queue_;
  bool busy_ = false;
  uint64_t emitted_ = 0;
  uint64_t dropped_ = 0;

  std::jthread thread_;
};

}  // namespace atrium::kube
