#pragma once

// KubeMetrics are the informers' Prometheus series, labelled by kind only
// (a fixed set of ten values) and, for events, by watch event type (five
// values), so cardinality never depends on the cluster's contents:
//   atrium_kube_watch_restarts_total{kind}
//   atrium_kube_relists_total{kind}
//   atrium_kube_events_total{kind,type}
//   atrium_kube_last_sync_timestamp_seconds{kind}
// Informers of the same kind in several namespaces share their series.
//
// Threading: every method may be called from any thread (prometheus-cpp
// metrics are atomic). Lifetime: the series live in the registry, which
// this object shares.

#include <array>
#include <memory>
#include <string_view>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace atrium::kube {

inline constexpr std::string_view kWatchRestartsMetric = "atrium_kube_watch_restarts_total";
inline constexpr std::string_view kRelistsMetric = "atrium_kube_relists_total";
inline constexpr std::string_view kEventsMetric = "atrium_kube_events_total";
inline constexpr std::string_view kLastSyncMetric = "atrium_kube_last_sync_timestamp_seconds";

// The watch event types of the Kubernetes API.
inline constexpr std::array<std::string_view, 5> kEventTypes = {"ADDED", "MODIFIED", "DELETED",
                                                                "BOOKMARK", "ERROR"};

// KindMetrics are the series of one kind.
class KindMetrics {
 public:
  void WatchRestarted();
  void Relisted();
  // Event counts one watch event; an unknown type counts as ERROR.
  void Event(std::string_view type);
  // Synced sets the last-sync gauge to the current wall-clock time.
  void Synced();

 private:
  friend class KubeMetrics;
  prometheus::Counter* watch_restarts_ = nullptr;
  prometheus::Counter* relists_ = nullptr;
  std::array<prometheus::Counter*, kEventTypes.size()> events_{};
  prometheus::Gauge* last_sync_ = nullptr;
};

class KubeMetrics {
 public:
  explicit KubeMetrics(std::shared_ptr<prometheus::Registry> registry);
  // ForKind returns the series of kind (created on first use). Safe to call
  // repeatedly: the same series come back.
  KindMetrics ForKind(std::string_view kind);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& watch_restarts_;
  prometheus::Family<prometheus::Counter>& relists_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Gauge>& last_sync_;
};

}  // namespace atrium::kube
