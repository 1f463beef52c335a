#include "controller/admin/control_plane_metrics.h"

#include <string>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace atrium::admin {
namespace {

// Translate and compile take microseconds for small configurations and
// hundreds of milliseconds for very large ones.
const prometheus::Histogram::BucketBoundaries& StageBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  return *buckets;
}

// Propagation includes the reconciler's coalescing hold-off, so it starts at
// milliseconds and may reach seconds when the API server is slow.
const prometheus::Histogram::BucketBoundaries& PropagationBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return *buckets;
}

prometheus::Gauge& AddGauge(prometheus::Registry& registry, std::string_view name,
                            std::string_view help) {
  return prometheus::BuildGauge()
      .Name(std::string(name))
      .Help(std::string(help))
      .Register(registry)
      .Add({});
}

prometheus::Counter& AddCounter(prometheus::Registry& registry, std::string_view name,
                                std::string_view help) {
  return prometheus::BuildCounter()
      .Name(std::string(name))
      .Help(std::string(help))
      .Register(registry)
      .Add({});
}

prometheus::Histogram& AddHistogram(prometheus::Registry& registry, std::string_view name,
                                    std::string_view help,
                                    const prometheus::Histogram::BucketBoundaries& buckets) {
  return prometheus::BuildHistogram()
      .Name(std::string(name))
      .Help(std::string(help))
      .Register(registry)
      .Add({}, buckets);
}

}  // namespace

std::string_view ConfigErrorKindName(ConfigErrorKind kind) {
  switch (kind) {
    case ConfigErrorKind::kManifest:
      return "manifest";
    case ConfigErrorKind::kObject:
      return "object";
    case ConfigErrorKind::kValidate:
      return "validate";
    case ConfigErrorKind::kCompile:
      return "compile";
    case ConfigErrorKind::kCount:
      break;
  }
  return "unknown";
}

ControlPlaneMetrics::ControlPlaneMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      generation_(AddGauge(*registry_, kRouteTableGenerationMetric,
                           "Generation of the route table the data plane is serving.")),
      last_publish_timestamp_(
          AddGauge(*registry_, kLastPublishTimestampMetric,
                   "Unix time in seconds at which the live route table was published.")),
      publishes_(AddCounter(*registry_, kPublishesMetric, "Route tables published.")),
      skipped_publishes_(
          AddCounter(*registry_, kSkippedPublishesMetric,
                     "Reconciles that published nothing because the configuration was unchanged.")),
      translate_duration_(AddHistogram(*registry_, kTranslateDurationMetric,
                                       "Time to translate Kubernetes objects into the route "
                                       "configuration, in seconds.",
                                       StageBuckets())),
      compile_duration_(AddHistogram(*registry_, kCompileDurationMetric,
                                     "Time to compile the route configuration into a route "
                                     "table, in seconds.",
                                     StageBuckets())),
      propagation_(AddHistogram(*registry_, kPropagationMetric,
                                "Time from a configuration change to the publish that made it "
                                "visible to the data plane, in seconds.",
                                PropagationBuckets())),
      status_writes_(AddCounter(*registry_, kStatusWritesMetric,
                                "Status updates written to the Kubernetes API server.")) {
  auto& errors = prometheus::BuildCounter()
                     .Name(std::string(kConfigErrorsMetric))
                     .Help(
                         "Configuration errors found, by kind; the last good route table "
                         "keeps serving.")
                     .Register(*registry_);
  // Every kind is created up front so each series exists (at 0) from the
  // first scrape: rate() and alerts then see the first error.
  for (int i = 0; i < static_cast<int>(ConfigErrorKind::kCount); ++i) {
    config_errors_[i] =
        &errors.Add({{"kind", std::string(ConfigErrorKindName(static_cast<ConfigErrorKind>(i)))}});
  }
}

void ControlPlaneMetrics::RecordPublish(uint64_t generation,
                                        std::chrono::system_clock::time_point published_at) {
  generation_.Set(static_cast<double>(generation));
  last_publish_timestamp_.Set(
      std::chrono::duration<double>(published_at.time_since_epoch()).count());
  publishes_.Increment();
}

void ControlPlaneMetrics::RecordSkippedPublish() { skipped_publishes_.Increment(); }

void ControlPlaneMetrics::ObserveTranslate(std::chrono::duration<double> elapsed) {
  translate_duration_.Observe(elapsed.count());
}

void ControlPlaneMetrics::ObserveCompile(std::chrono::duration<double> elapsed) {
  compile_duration_.Observe(elapsed.count());
}

void ControlPlaneMetrics::ObservePropagation(std::chrono::duration<double> elapsed) {
  propagation_.Observe(elapsed.count());
}

void ControlPlaneMetrics::RecordConfigErrors(ConfigErrorKind kind, uint64_t count) {
  int index = static_cast<int>(kind);
  if (index < 0 || index >= static_cast<int>(ConfigErrorKind::kCount)) return;
  config_errors_[index]->Increment(static_cast<double>(count));
}

void ControlPlaneMetrics::RecordStatusWrite() { status_writes_.Increment(); }

}  // namespace atrium::admin
