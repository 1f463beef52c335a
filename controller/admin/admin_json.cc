#include "controller/admin/admin_json.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "controller/admin/process_stats.h"
#include "controller/ir/route_config.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/route_table.h"
#include "proxy/table/table_publisher.h"

namespace atrium::admin {
namespace {

constexpr std::array<std::string_view, 5> kStatusClassNames = {"1xx", "2xx", "3xx", "4xx", "5xx"};
// Routes summed at a time for the request counts (StatsRegistry::SumInBatches).
constexpr size_t kStatsBatchRoutes = 256;

// TableSize is copied out of one read-side section so that the generation
// and the counts always describe the same table.
struct TableSize {
  uint64_t generation = 0;
  size_t hosts = 0;
  size_t routes = 0;
  size_t endpoints = 0;
};

TableSize ReadTableSize(const table::TablePublisher& publisher) {
  table::RcuThreadRegistration::EnsureRegistered();
  return publisher.Read([](const table::RouteTable* live) {
    TableSize size;
    if (live == nullptr) return size;
    size.generation = live->generation();
    size.hosts = live->host_count();
    size.routes = live->route_count();
    size.endpoints = live->endpoint_count();
    return size;
  });
}

// MemoryJson is the process's resident size and the heap as its allocator
// counts it (absent under a sanitizer, whose allocator gives no figures).
nlohmann::json MemoryJson() {
  nlohmann::json memory = nlohmann::json::object();
  if (const std::optional<ProcessStats> process = ReadProcessStats()) {
    memory["resident_bytes"] = process->resident_bytes;
  }
  if (const std::optional<HeapStats> heap = ReadHeapStats()) {
    nlohmann::json free = nlohmann::json::object();
    for (const auto& [where, bytes] : heap->free_bytes) free[where] = bytes;
    memory["allocator"] = heap->allocator;
    memory["allocated_bytes"] = heap->allocated_bytes;
    memory["heap_bytes"] = heap->heap_bytes;
    memory["free_bytes"] = std::move(free);
  }
  return memory;
}

}  // namespace

std::optional<nlohmann::json> RoutesJson(const table::TablePublisher& publisher) {
  table::RcuThreadRegistration::EnsureRegistered();
  // ToJson runs inside the read-side section: it allocates but never blocks,
  // and the table cannot be freed under it.
  std::optional<nlohmann::json> routes =
      publisher.Read([](const table::RouteTable* live) -> std::optional<nlohmann::json> {
        if (live == nullptr) return std::nullopt;
        return nlohmann::json{{"generation", live->generation()},
                              {"config", ir::ToJson(live->config())}};
      });
  if (routes) RemovePrivateKeys(*routes);
  return routes;
}

nlohmann::json StatsJson(const table::TablePublisher* publisher,
                         const stats::StatsRegistry* stats) {
  TableSize size;
  if (publisher != nullptr) size = ReadTableSize(*publisher);
  stats::StatsSnapshot snapshot;
  std::array<uint64_t, kStatusClassNames.size()> by_class{};
  if (stats != nullptr) {
    snapshot = stats->SumTotals();
    // The request counts by status class, summed a batch of routes at a
    // time: one snapshot of every route (their histograms too) was 1.2 MB
    // of heap at 5,000 routes, for five numbers.
    stats->SumInBatches(kStatsBatchRoutes, [&by_class](const stats::StatsSnapshot& batch) {
      for (const auto& [key, count] : batch.requests) {
        int index = key.status_class - 1;
        if (index < 0 || index >= static_cast<int>(by_class.size())) index = 4;  // as 5xx
        by_class[index] += count;
      }
    });
  }
  nlohmann::json by_status_class = nlohmann::json::object();
  for (size_t i = 0; i < by_class.size(); ++i) {
    by_status_class[std::string(kStatusClassNames[i])] = by_class[i];
  }
  nlohmann::json upstream_errors = nlohmann::json::object();
  for (size_t i = 0; i < snapshot.upstream_errors.size(); ++i) {
    upstream_errors[std::string(stats::UpstreamErrorName(static_cast<stats::UpstreamError>(i)))] =
        snapshot.upstream_errors[i];
  }
  return nlohmann::json{
      {"generation", size.generation},
      {"hosts", size.hosts},
      {"routes", size.routes},
      {"endpoints", size.endpoints},
      {"requests", {{"total", snapshot.total_requests}, {"by_status_class", by_status_class}}},
      {"connections", {{"open", snapshot.open_connections}, {"total", snapshot.total_connections}}},
      {"upstream_errors", upstream_errors},
      {"memory", MemoryJson()},
  };
}

void RemovePrivateKeys(nlohmann::json& document) {
  if (document.is_object()) {
    for (auto it = document.begin(); it != document.end();) {
      if (it.key().find("private_key") != std::string::npos) {
        it = document.erase(it);
      } else {
        RemovePrivateKeys(it.value());
        ++it;
      }
    }
  } else if (document.is_array()) {
    for (auto& element : document) RemovePrivateKeys(element);
  }
}

}  // namespace atrium::admin
