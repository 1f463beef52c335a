#pragma once

// AdminSources is everything the admin server reads. It only ever reads: the
// admin server never changes the route table, the counters or the metrics.
//
// Lifetime: the publisher and the stats registry must outlive the
// AdminServer that reads them (stop the server first).
// Threading: the admin server calls every source from its own thread pool,
// several requests at a time, so each callback must be thread-safe and must
// not block for long (a scrape waits for it).

#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace atrium::table {
class TablePublisher;
}  // namespace atrium::table

namespace atrium::stats {
class StatsRegistry;
}  // namespace atrium::stats

namespace atrium::admin {

struct AdminSources {
  // The live route table: /readyz, /admin/routes, /admin/stats and the
  // generation on /metrics. Null: never ready, no routes.
  const table::TablePublisher* publisher = nullptr;
  // Per-worker data-plane counters, summed at scrape time. Null: no
  // data-plane metrics (a process without a proxy).
  const stats::StatsRegistry* stats = nullptr;
  // Control-plane metrics (see ControlPlaneMetrics). Null: none.
  std::shared_ptr<prometheus::Registry> control_plane_metrics;
  // status returns what /admin/status shows: the status Atrium computed for
  // every object and the configuration problems (e.g. translate::ToJson of
  // the last Result plus malformed manifest files). Null: 503.
  std::function<nlohmann::json()> status;
  // process: export the process's own figures on /metrics (process_*
  // and atrium_memory_*, see process_stats.h). Off in tests that compare
  // whole documents, which these figures would make differ scrape to scrape.
  bool process = false;
  // ready is an extra readiness condition (e.g. informer caches synced),
  // checked after the first publish. Null: ready once a table is published.
  std::function<bool()> ready;
};

}  // namespace atrium::admin
