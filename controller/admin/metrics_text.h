#pragma once

// The /metrics document: data-plane metrics built at scrape time from the
// summed per-worker counters, plus the control plane's prometheus-cpp
// registry, serialized by prometheus::TextSerializer (text format 0.0.4).
//
// Every label value comes from configuration (route and backend names, the
// fixed upstream error kinds), never from request data, so the number of
// series is bounded by the configuration.

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include "controller/admin/admin_sources.h"
#include "controller/admin/control_plane_metrics.h"

namespace atrium::stats {
struct StatsSnapshot;
}  // namespace atrium::stats

namespace atrium::admin {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

inline constexpr std::string_view kRequestsMetric = "atrium_requests_total";
inline constexpr std::string_view kRequestDurationMetric = "atrium_request_duration_seconds";
inline constexpr std::string_view kUpstreamErrorsMetric = "atrium_upstream_errors_total";
inline constexpr std::string_view kOpenConnectionsMetric = "atrium_open_connections";
inline constexpr std::string_view kConnectionsMetric = "atrium_connections_total";
inline constexpr std::string_view kTlsHandshakeFailuresMetric =
    "atrium_tls_handshake_failures_total";

// DataPlaneFamilies turns a summed snapshot into metric families:
// atrium_requests_total{route,backend,status_class}, the
// atrium_request_duration_seconds{route} histogram (cumulative buckets ending
// in +Inf), atrium_upstream_errors_total{kind} (every kind, zeros included),
// atrium_open_connections and atrium_connections_total.
std::vector<prometheus::MetricFamily> DataPlaneFamilies(const stats::StatsSnapshot& snapshot);

// SingleValueFamily is a family of one unlabelled sample: a counter or a
// gauge holding value.
prometheus::MetricFamily SingleValueFamily(std::string_view name, std::string help,
                                           prometheus::MetricType type, double value);

// GenerationFamily is atrium_route_table_generation read from the publisher,
// used when the control-plane registry does not provide that gauge itself.
prometheus::MetricFamily GenerationFamily(uint64_t generation);

// WriteMetrics writes the whole /metrics body to out. Families come from the
// control-plane registry first; a data-plane family whose name the registry
// already uses is left out, so no name is ever exposed twice. Any thread.
// The admin server streams it to the scraper (chunked_streambuf.h).
void WriteMetrics(const AdminSources& sources, std::ostream& out);

// RenderMetrics is WriteMetrics into a string.
std::string RenderMetrics(const AdminSources& sources);

}  // namespace atrium::admin
