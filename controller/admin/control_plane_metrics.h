#pragma once

// ControlPlaneMetrics creates the prometheus-cpp metric families that the
// control plane (reconciler, status writer, manifest loader) updates, in a
// prometheus::Registry that the admin server renders on /metrics next to the
// data-plane metrics it sums from the workers.
//
// Naming follows the Prometheus conventions: an atrium_ prefix, base units
// (seconds), _total on counters, and labels with a small fixed set of values
// (the kind of a config error); nothing here is labelled with object names.
//
// Threading: every method may be called from any thread; prometheus-cpp
// metrics are updated atomically and Registry::Collect takes its own lock.
// Lifetime: the metric families live in the registry, which this object
// shares, so the references it holds stay valid for its whole life.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace atrium::admin {

// ConfigErrorKind is the bounded label of atrium_config_errors_total.
enum class ConfigErrorKind : int {
  kManifest = 0,  // a manifest file or document that could not be parsed
  kObject,        // an object translate rejected (a translate::Problem)
  kValidate,      // the IR failed ir::Validate; the last good table keeps serving
  kCompile,       // RouteTable::Compile left a route out (e.g. RE2 rejected a regex)
  kCount,
};
std::string_view ConfigErrorKindName(ConfigErrorKind kind);

// Metric names, shared with the admin server's renderer and the tests.
inline constexpr std::string_view kRouteTableGenerationMetric = "atrium_route_table_generation";
inline constexpr std::string_view kLastPublishTimestampMetric =
    "atrium_route_table_last_publish_timestamp_seconds";
inline constexpr std::string_view kPublishesMetric = "atrium_route_table_publishes_total";
inline constexpr std::string_view kSkippedPublishesMetric =
    "atrium_route_table_skipped_publishes_total";
inline constexpr std::string_view kTranslateDurationMetric = "atrium_translate_duration_seconds";
inline constexpr std::string_view kCompileDurationMetric = "atrium_compile_duration_seconds";
inline constexpr std::string_view kPropagationMetric = "atrium_config_propagation_seconds";
inline constexpr std::string_view kConfigErrorsMetric = "atrium_config_errors_total";
inline constexpr std::string_view kStatusWritesMetric = "atrium_status_writes_total";

class ControlPlaneMetrics {
 public:
  // The constructor registers every family in registry (which must not be
  // null). Constructing a second ControlPlaneMetrics on the same registry
  // shares the same series (prometheus-cpp merges families by name).
  explicit ControlPlaneMetrics(std::shared_ptr<prometheus::Registry> registry);
  ControlPlaneMetrics(const ControlPlaneMetrics&) = delete;
  ControlPlaneMetrics& operator=(const ControlPlaneMetrics&) = delete;

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  // RecordPublish is called after TablePublisher::Publish: it sets the
  // generation and last-publish-time gauges and counts the publish.
  void RecordPublish(uint64_t generation, std::chrono::system_clock::time_point published_at);
  // RecordSkippedPublish counts a reconcile whose configuration equalled the
  // live one, so nothing was published.
  void RecordSkippedPublish();
  void ObserveTranslate(std::chrono::duration<double> elapsed);
  void ObserveCompile(std::chrono::duration<double> elapsed);
  // ObservePropagation records the time from the first change event of a
  // batch to the publish that made it visible to the data plane.
  void ObservePropagation(std::chrono::duration<double> elapsed);
  void RecordConfigErrors(ConfigErrorKind kind, uint64_t count = 1);
  // RecordStatusWrite counts one status update sent to the API server.
  void RecordStatusWrite();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge& generation_;
  prometheus::Gauge& last_publish_timestamp_;
  prometheus::Counter& publishes_;
  prometheus::Counter& skipped_publishes_;
  prometheus::Histogram& translate_duration_;
  prometheus::Histogram& compile_duration_;
  prometheus::Histogram& propagation_;
  std::array<prometheus::Counter*, static_cast<int>(ConfigErrorKind::kCount)> config_errors_{};
  prometheus::Counter& status_writes_;
};

}  // namespace atrium::admin
