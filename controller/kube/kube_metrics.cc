#include "controller/kube/kube_metrics.h"

#include <chrono>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace atrium::kube {

void KindMetrics::WatchRestarted() {
  if (watch_restarts_ != nullptr) watch_restarts_->Increment();
}

void KindMetrics::Relisted() {
  if (relists_ != nullptr) relists_->Increment();
}

void KindMetrics::Event(std::string_view type) {
  size_t index = kEventTypes.size() - 1;  // ERROR
  for (size_t i = 0; i < kEventTypes.size(); ++i) {
    if (kEventTypes[i] == type) index = i;
  }
  if (events_[index] != nullptr) events_[index]->Increment();
}

void KindMetrics::Synced() {
  if (last_sync_ == nullptr) return;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  last_sync_->Set(std::chrono::duration<double>(now).count());
}

KubeMetrics::KubeMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      watch_restarts_(prometheus::BuildCounter()
                          .Name(std::string(kWatchRestartsMetric))
                          .Help("Watches of the Kubernetes API that ended and were started again.")
                          .Register(*registry_)),
      relists_(prometheus::BuildCounter()
                   .Name(std::string(kRelistsMetric))
                   .Help("Full LISTs after the first (watch history expired, or API reappeared).")
                   .Register(*registry_)),
      events_(prometheus::BuildCounter()
                  .Name(std::string(kEventsMetric))
                  .Help("Watch events received from the Kubernetes API, by type.")
                  .Register(*registry_)),
      last_sync_(prometheus::BuildGauge()
                     .Name(std::string(kLastSyncMetric))
                     .Help("When the informer last knew it was current: a LIST finished or a "
                           "watch event or bookmark arrived (Unix seconds).")
                     .Register(*registry_)) {}

KindMetrics KubeMetrics::ForKind(std::string_view kind) {
  const std::string label(kind);
  KindMetrics metrics;
  metrics.watch_restarts_ = &watch_restarts_.Add({{"kind", label}});
  metrics.relists_ = &relists_.Add({{"kind", label}});
  for (size_t i = 0; i < kEventTypes.size(); ++i) {
    metrics.events_[i] = &events_.Add({{"kind", label}, {"type", std::string(kEventTypes[i])}});
  }
  metrics.last_sync_ = &last_sync_.Add({{"kind", label}});
  return metrics;
}

}  // namespace atrium::kube
