#pragma once

// The JSON documents of /admin/routes and /admin/stats, built from the live
// route table and the per-worker counters.
//
// Threading: both functions may be called from any thread. They register the
// calling thread with liburcu themselves (RcuThreadRegistration::
// EnsureRegistered) before reading the table, and they keep no pointer into
// it after returning.

#include <optional>

#include <nlohmann/json.hpp>

namespace atrium::table {
class TablePublisher;
}  // namespace atrium::table

namespace atrium::stats {
class StatsRegistry;
}  // namespace atrium::stats

namespace atrium::admin {

// RoutesJson returns {"generation": N, "config": ir::ToJson(live config)}, or
// nullopt before the first publish. Private keys are never included.
std::optional<nlohmann::json> RoutesJson(const table::TablePublisher& publisher);

// StatsJson returns the table's size and the summed request counters:
//   {"generation", "hosts", "routes", "endpoints",
//    "requests": {"total", "by_status_class": {"1xx".."5xx"}},
//    "connections": {"open", "total"}, "upstream_errors": {kind: n}}
// Either source may be null (its fields are then zero).
nlohmann::json StatsJson(const table::TablePublisher* publisher, const stats::StatsRegistry* stats);

// RemovePrivateKeys deletes, at any depth, every object member whose name
// contains "private_key" (defence in depth: ir::ToJson already leaves keys out).
void RemovePrivateKeys(nlohmann::json& document);

}  // namespace atrium::admin
