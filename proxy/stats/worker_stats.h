#pragma once

// WorkerStats are the data-plane counters of one worker thread. Counting a
// request touches only memory owned by that worker (no shared atomic write
// across cores); readers (/metrics, /admin/stats) sum every worker's counters
// when they are scraped.
//
// Threading: Record* and Connection* are called only by the owning worker
// thread. Snapshot may be called by any thread at any time.
// Labels come from configuration (route and backend names), never from
// request data, so cardinality is bounded by the configuration.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace atrium::stats {

// Upper bounds (seconds) of the request duration histogram buckets.
inline constexpr std::array<double, 14> kDurationBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

enum class UpstreamError : int {
  kConnectFailed = 0,
  kConnectTimeout,
  kRequestTimeout,
  kReset,
  kProtocol,
  kNoHealthyEndpoint,
  kCount,
};
std::string_view UpstreamErrorName(UpstreamError error);

// RequestKey identifies one request counter series.
struct RequestKey {
  std::string route;     // "" when no route matched
  std::string backend;   // "" when no backend was chosen
  int status_class = 0;  // 1..5 (1xx..5xx)
  // clang-tidy 14 reports a defaulted <=> as a literal 0 compared with a pointer.
  auto operator<=>(const RequestKey&) const = default;  // NOLINT(modernize-use-nullptr)
};

struct Histogram {
  std::array<uint64_t, kDurationBuckets.size() + 1> buckets{};  // last: +Inf
  double sum = 0;
  uint64_t count = 0;
  void Add(const Histogram& other);
};

// StatsSnapshot is a plain sum, safe to keep and compare.
struct StatsSnapshot {
  std::map<RequestKey, uint64_t> requests;
  std::map<std::string, Histogram> duration_by_route;
  std::array<uint64_t, static_cast<int>(UpstreamError::kCount)> upstream_errors{};
  int64_t open_connections = 0;
  uint64_t total_connections = 0;
  uint64_t total_requests = 0;
  uint64_t tls_handshake_failures = 0;  // failed or timed out TLS handshakes
  void Add(const StatsSnapshot& other);
};

class WorkerStats {
 public:
  WorkerStats();
  ~WorkerStats();

  // RecordRequest counts one finished request. Owning worker only.
  void RecordRequest(std::string_view route, std::string_view backend, int status,
                     double duration_seconds);
  void RecordUpstreamError(UpstreamError error);
  void ConnectionOpened();
  void ConnectionClosed();
  void TlsHandshakeFailed();

  // Snapshot copies the counters. Any thread.
  StatsSnapshot Snapshot() const;
  // AddTo adds the counters to *total (what Snapshot then Add does, without
  // the per-worker copy of every route's series). Any thread.
  void AddTo(StatsSnapshot* total) const;

 private:
  struct Series;
  struct HistogramCells;
  // Lookups by the owning worker take no lock: only it inserts, and it
  // inserts under insert_mutex_, which Snapshot also holds while it walks the
  // maps. Counter cells are relaxed atomics written by one thread only.
  Series* FindOrInsert(std::string_view route, std::string_view backend, int status_class);
  HistogramCells* FindOrInsertHistogram(std::string_view route);

  mutable std::mutex insert_mutex_;
  std::unordered_map<std::string, std::unique_ptr<Series>> series_;
  std::unordered_map<std::string, std::unique_ptr<HistogramCells>> histograms_;
  std::array<std::atomic<uint64_t>, static_cast<int>(UpstreamError::kCount)> upstream_errors_{};
  std::atomic<int64_t> open_connections_{0};
  std::atomic<uint64_t> total_connections_{0};
  std::atomic<uint64_t> total_requests_{0};
  std::atomic<uint64_t> tls_handshake_failures_{0};
  std::string scratch_key_;  // owning worker only: avoids an allocation per request
};

// StatsRegistry owns one WorkerStats per worker thread.
class StatsRegistry {
 public:
  explicit StatsRegistry(size_t workers);
  WorkerStats& worker(size_t index) { return *workers_[index]; }
  size_t size() const { return workers_.size(); }
  // Sum adds every worker's snapshot. Any thread.
  StatsSnapshot Sum() const;

 private:
  std::vector<std::unique_ptr<WorkerStats>> workers_;
};

}  // namespace atrium::stats
