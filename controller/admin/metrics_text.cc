#include "controller/admin/metrics_text.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include <prometheus/client_metric.h>
#include <prometheus/metric_type.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "controller/admin/process_stats.h"
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

// The per-route families (requests and the duration histogram) are built one
// sample at a time, so that /metrics can serialize them in batches.
MetricFamily RequestsHeader() {
  return {std::string(kRequestsMetric),
          "Requests answered, by route, backend and status class.",
          MetricType::Counter,
          {}};
}

ClientMetric RequestMetric(const stats::RequestKeyView& key, uint64_t count) {
  // The workers key their counters by status class (1..5), never by code, so
  // each key is one series.
  ClientMetric metric;
  metric.label = {{"route", std::string(key.route)},
                  {"backend", std::string(key.backend)},
                  {"status_class", StatusClassLabel(key.status_class)}};
  metric.counter.value = static_cast<double>(count);
  return metric;
}

MetricFamily DurationHeader() {
  return {std::string(kRequestDurationMetric),
          "Time to answer a request, by route, in seconds.",
          MetricType::Histogram,
          {}};
}

ClientMetric DurationMetric(std::string_view route, const stats::Histogram& histogram) {
  ClientMetric metric;
  metric.label = {{"route", std::string(route)}};
  // The workers count each bucket separately; the exposition format wants
  // cumulative counts, the last one (+Inf) equal to the sample count.
  uint64_t cumulative = 0;
  metric.histogram.bucket.reserve(histogram.buckets.size());
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
  return metric;
}

MetricFamily RequestsFamily(const stats::StatsSnapshot& snapshot) {
  MetricFamily family = RequestsHeader();
  for (const auto& [key, count] : snapshot.requests) {
    family.metric.push_back(RequestMetric(key, count));
  }
  return family;
}

MetricFamily DurationFamily(const stats::StatsSnapshot& snapshot) {
  MetricFamily family = DurationHeader();
  for (const auto& [route, histogram] : snapshot.duration_by_route) {
    family.metric.push_back(DurationMetric(route, histogram));
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

// FixedSizeFamilies are the data-plane families whose size does not grow
// with the configuration.
std::vector<MetricFamily> FixedSizeFamilies(const stats::StatsSnapshot& snapshot) {
  std::vector<MetricFamily> families;
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

// Samples per serializer call: a family of one sample per route would hold
// every route's ClientMetric (labels, 15 buckets) at once. A route's
// histogram is ~2 kB of text, so a batch's text (built in a string, then
// written) is ~64 kB, the size of the stream's chunks; 256 a batch cost
// 0.5 MB of string and as much again copied into the chunk at every scrape
// of 5,000 routes, which set the process's peak RSS.
constexpr size_t kSerializeBatch = 32;

// FamilyStream writes what TextSerializer writes for one family of many
// samples, building and serializing kSerializeBatch samples at a time.
// HELP and TYPE come with the first batch only (later batches are
// serialized on their own and their comment lines dropped). Nothing is
// written for a family that gets no sample.
class FamilyStream {
 public:
  FamilyStream(const prometheus::TextSerializer& serializer, std::ostream& out, MetricFamily header)
      : serializer_(serializer), out_(out) {
    batch_.push_back(std::move(header));
    batch_.front().metric.reserve(kSerializeBatch);
  }

  void Add(ClientMetric metric) {
    std::vector<ClientMetric>& samples = batch_.front().metric;
    samples.push_back(std::move(metric));
    if (samples.size() == kSerializeBatch) Flush();
  }

  // Finish writes what is pending; it tells whether the family was written.
  bool Finish() {
    if (!batch_.front().metric.empty()) Flush();
    return !first_;
  }

 private:
  void Flush() {
    if (first_) {
      serializer_.Serialize(out_, batch_);
      first_ = false;
    } else {
      // Read in place, not moved out: the next batch reuses the buffer
      // instead of growing a new one from nothing (15 allocations of up to
      // 64 kB a batch, ~2,000 a scrape of 5,000 routes).
      later_.str("");
      serializer_.Serialize(later_, batch_);
      const std::string_view text = later_.view();
      size_t start = 0;
      while (start < text.size() && text[start] == '#') {
        const size_t end = text.find('\n', start);
        start = end == std::string::npos ? text.size() : end + 1;
      }
      out_.write(text.data() + start, static_cast<std::streamsize>(text.size() - start));
    }
    batch_.front().metric.clear();
  }

  const prometheus::TextSerializer& serializer_;
  std::ostream& out_;
  std::vector<MetricFamily> batch_;
  bool first_ = true;
  std::ostringstream later_;
};

// Routes summed at a time for the per-route families (see
// StatsRegistry::SumInBatches): 256 routes' histograms are 39 kB.
constexpr size_t kSumBatch = 256;

}  // namespace

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

std::vector<MetricFamily> DataPlaneFamilies(const stats::StatsSnapshot& snapshot) {
  std::vector<MetricFamily> families;
  families.push_back(RequestsFamily(snapshot));
  families.push_back(DurationFamily(snapshot));
  std::vector<MetricFamily> fixed = FixedSizeFamilies(snapshot);
  std::move(fixed.begin(), fixed.end(), std::back_inserter(families));
  return families;
}

MetricFamily GenerationFamily(uint64_t generation) {
  return SingleValueFamily(kRouteTableGenerationMetric,
                           "Generation of the route table the data plane is serving.",
                           MetricType::Gauge, static_cast<double>(generation));
}

void WriteMetrics(const AdminSources& sources, std::ostream& out) {
  std::vector<MetricFamily> families;
  if (sources.control_plane_metrics) families = sources.control_plane_metrics->Collect();
  std::set<std::string> names;
  for (const auto& family : families) names.insert(family.name);

  // At 5,000 routes the document is megabytes: the per-route families are
  // summed and go through the serializer a batch at a time instead of as
  // one family of 5,000 samples (see FamilyStream), and out is a stream to
  // the scraper, not a buffer of the whole document.
  const prometheus::TextSerializer serializer;
  serializer.Serialize(out, families);
  families.clear();
  // A data-plane family whose name the registry already uses is left out,
  // and so is an empty one (it would print HELP and TYPE with no sample).
  auto take = [&names](const MetricFamily& family, bool empty) {
    return !empty && names.insert(family.name).second;
  };
  if (sources.stats != nullptr) {
    // The per-route families, summed a batch of routes at a time; each is
    // left out when the registry already has its name or it has no sample.
    if (!names.contains(std::string(kRequestsMetric))) {
      FamilyStream requests(serializer, out, RequestsHeader());
      sources.stats->SumInBatches(kSumBatch, [&requests](const stats::StatsSnapshot& batch) {
        for (const auto& [key, count] : batch.requests) requests.Add(RequestMetric(key, count));
      });
      if (requests.Finish()) names.insert(std::string(kRequestsMetric));
    }
    if (!names.contains(std::string(kRequestDurationMetric))) {
      FamilyStream duration(serializer, out, DurationHeader());
      sources.stats->SumInBatches(kSumBatch, [&duration](const stats::StatsSnapshot& batch) {
        for (const auto& [route, histogram] : batch.duration_by_route) {
          duration.Add(DurationMetric(route, histogram));
        }
      });
      if (duration.Finish()) names.insert(std::string(kRequestDurationMetric));
    }
    for (MetricFamily& family : FixedSizeFamilies(sources.stats->SumTotals())) {
      if (take(family, family.metric.empty())) families.push_back(std::move(family));
    }
  }
  if (sources.publisher != nullptr) {
    MetricFamily generation = GenerationFamily(sources.publisher->generation());
    if (take(generation, false)) families.push_back(std::move(generation));
  }
  if (const std::optional<ProcessStats> process =
          sources.process ? ReadProcessStats() : std::nullopt) {
    for (MetricFamily& family : ProcessFamilies(*process, ReadHeapStats())) {
      if (take(family, false)) families.push_back(std::move(family));
    }
  }
  serializer.Serialize(out, families);
  out.flush();
}

std::string RenderMetrics(const AdminSources& sources) {
  std::ostringstream out;
  WriteMetrics(sources, out);
  return std::move(out).str();
}

}  // namespace atrium::admin
