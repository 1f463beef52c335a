#include "controller/admin/metrics_text.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include <prometheus/client_metric.h>
#include <prometheus/metric_type.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "proxy/stats/worker_stats.h"
#include "proxy/table/table_publisher.h"

namespace atrium::admin {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::string StatusClassLabel(int status_class) {
  if (status_class < 1 || status_class > 5) status_class = 5;
  return std::to_string(status_class) + "xx";
}

MetricFamily RequestsFamily(const stats::StatsSnapshot& snapshot) {
  MetricFamily family{std::string(kRequestsMetric),
                      "Requests answered, by route, backend and status class.",
                      MetricType::Counter,
                      {}};
  // The workers key their counters by status class (1..5), never by code, so
  // each key is one series.
  for (const auto& [key, count] : snapshot.requests) {
    ClientMetric metric;
    metric.label = {{"route", key.route},
                    {"backend", key.backend},
                    {"status_class", StatusClassLabel(key.status_class)}};
    metric.counter.value = static_cast<double>(count);
    family.metric.push_back(std::move(metric));
  }
  return family;
}

MetricFamily DurationFamily(const stats::StatsSnapshot& snapshot) {
  MetricFamily family{std::string(kRequestDurationMetric),
                      "Time to answer a request, by route, in seconds.",
                      MetricType::Histogram,
                      {}};
  for (const auto& [route, histogram] : snapshot.duration_by_route) {
    ClientMetric metric;
    metric.label = {{"route", route}};
    // The workers count each bucket separately; the exposition format wants
    // cumulative counts, the last one (+Inf) equal to the sample count.
    uint64_t cumulative = 0;
    for (size_t i = 0; i < stats::kDurationBuckets.size(); ++i) {
      cumulative += histogram.buckets[i];
      metric.histogram.bucket.push_back({cumulative, stats::kDurationBuckets[i]});
    }
    cumulative += histogram.buckets.back();
    // count and the bucket counts are read one cell at a time while the
    // worker keeps counting, so they may disagree by a request or two; the
    // format requires +Inf == _count, so both take the larger value.
    uint64_t count = std::max(cumulative, histogram.count);
    metric.histogram.bucket.push_back({count, std::numeric_limits<double>::infinity()});
    metric.histogram.sample_count = count;
    metric.histogram.sample_sum = histogram.sum;
    family.metric.push_back(std::move(metric));
  }
  return family;
}

MetricFamily UpstreamErrorsFamily(const stats::StatsSnapshot& snapshot) {
  MetricFamily family{std::string(kUpstreamErrorsMetric),
                      "Failed upstream attempts, by kind of failure.",
                      MetricType::Counter,
                      {}};
  for (size_t i = 0; i < snapshot.upstream_errors.size(); ++i) {
    ClientMetric metric;
    metric.label = {
        {"kind", std::string(stats::UpstreamErrorName(static_cast<stats::UpstreamError>(i)))}};
    metric.counter.value = static_cast<double>(snapshot.upstream_errors[i]);
    family.metric.push_back(std::move(metric));
  }
  return family;
}

MetricFamily SingleValueFamily(std::string_view name, std::string help, MetricType type,
                               double value) {
  ClientMetric metric;
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return MetricFamily{std::string(name), std::move(help), type, {std::move(metric)}};
}

}  // namespace

std::vector<MetricFamily> DataPlaneFamilies(const stats::StatsSnapshot& snapshot) {
  std::vector<MetricFamily> families;
  families.push_back(RequestsFamily(snapshot));
  families.push_back(DurationFamily(snapshot));
  families.push_back(UpstreamErrorsFamily(snapshot));
  families.push_back(SingleValueFamily(kOpenConnectionsMetric, "Client connections open now.",
                                       MetricType::Gauge,
                                       static_cast<double>(snapshot.open_connections)));
  families.push_back(SingleValueFamily(kConnectionsMetric, "Client connections accepted.",
                                       MetricType::Counter,
                                       static_cast<double>(snapshot.total_connections)));
  families.push_back(SingleValueFamily(
      kTlsHandshakeFailuresMetric,
      "TLS handshakes that failed or timed out (bad client hello, refused version, no SNI "
      "certificate, timeout).",
      MetricType::Counter, static_cast<double>(snapshot.tls_handshake_failures)));
  return families;
}

MetricFamily GenerationFamily(uint64_t generation) {
  return SingleValueFamily(kRouteTableGenerationMetric,
                           "Generation of the route table the data plane is serving.",
                           MetricType::Gauge, static_cast<double>(generation));
}

std::string RenderMetrics(const AdminSources& sources) {
  std::vector<MetricFamily> families;
  if (sources.control_plane_metrics) families = sources.control_plane_metrics->Collect();
  std::set<std::string> names;
  for (const auto& family : families) names.insert(family.name);

  std::vector<MetricFamily> own;
  if (sources.stats != nullptr) own = DataPlaneFamilies(sources.stats->Sum());
  if (sources.publisher != nullptr)
    own.push_back(GenerationFamily(sources.publisher->generation()));
  for (auto& family : own) {
    // An empty family would print HELP and TYPE with no sample; leave it out.
    if (family.metric.empty() || !names.insert(family.name).second) continue;
    families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace atrium::admin
