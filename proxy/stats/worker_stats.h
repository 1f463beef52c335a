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
//
// Memory, for thousands of routes on every worker: a label is interned once
// per registry (NameTable), and a worker keeps per route one record (its
// histogram) and per (route, backend) one record of five counters, found
// through an index of 4-byte slots; no string and no node per series. A
// scrape sums the workers by name id into flat sorted vectors whose keys
// are views of the interned names.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/stats/id_index.h"
#include "proxy/stats/name_table.h"

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

// RequestKeyView is a RequestKey whose names belong to a StatsSnapshot (they
// are valid as long as the snapshot, or a copy of it, is).
struct RequestKeyView {
  std::string_view route;
  std::string_view backend;
  int status_class = 0;

  RequestKeyView() = default;
  RequestKeyView(std::string_view route, std::string_view backend, int status_class)
      : route(route), backend(backend), status_class(status_class) {}
  // Implicit, so that a snapshot is looked up with a RequestKey as a map was.
  RequestKeyView(const RequestKey& key)  // NOLINT(google-explicit-constructor)
      : route(key.route), backend(key.backend), status_class(key.status_class) {}
  auto operator<=>(const RequestKeyView&) const = default;  // NOLINT(modernize-use-nullptr)
  bool operator==(const RequestKeyView&) const = default;
};

struct Histogram {
  std::array<uint64_t, kDurationBuckets.size() + 1> buckets{};  // last: +Inf
  double sum = 0;
  uint64_t count = 0;
  void Add(const Histogram& other);
};

// SortedSeries is the (key, value) pairs of one family of a snapshot in
// ascending key order, in one flat vector: read like the std::map it
// replaces (iteration in key order, [] by key), at a fraction of the
// memory, and built without a node per series.
template <typename Key, typename Value>
class SortedSeries {
 public:
  using value_type = std::pair<Key, Value>;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // operator[] is the value of key, or Value{} when the snapshot has none.
  Value operator[](const Key& key) const {
    auto it = std::lower_bound(
        entries_.begin(), entries_.end(), key,
        [](const value_type& entry, const Key& wanted) { return entry.first < wanted; });
    return it != entries_.end() && it->first == key ? it->second : Value{};
  }

  bool operator==(const SortedSeries&) const = default;

  // For the code that builds snapshots: entries must be left in ascending
  // key order, without repeats.
  std::vector<value_type>& entries() { return entries_; }

 private:
  std::vector<value_type> entries_;
};

// StatsSnapshot is a plain sum, safe to keep and compare. Its label values
// are views of the interned names (name_table.h), which it keeps alive.
struct StatsSnapshot {
  SortedSeries<RequestKeyView, uint64_t> requests;
  SortedSeries<std::string_view, Histogram> duration_by_route;
  std::array<uint64_t, static_cast<int>(UpstreamError::kCount)> upstream_errors{};
  int64_t open_connections = 0;
  uint64_t total_connections = 0;
  uint64_t total_requests = 0;
  uint64_t tls_handshake_failures = 0;  // failed or timed out TLS handshakes
  // The tables the views above point into.
  std::vector<std::shared_ptr<const NameTable>> name_owners;
  void Add(const StatsSnapshot& other);
};

class SnapshotBuilder;

class WorkerStats {
 public:
  WorkerStats();
  // names: where the labels are interned, shared by the workers of one
  // registry (each name is stored once, and a scrape sums by id).
  explicit WorkerStats(std::shared_ptr<NameTable> names);
  ~WorkerStats();
  WorkerStats(const WorkerStats&) = delete;
  WorkerStats& operator=(const WorkerStats&) = delete;

  // RecordRequest counts one finished request. Owning worker only.
  void RecordRequest(std::string_view route, std::string_view backend, int status,
                     double duration_seconds);
  void RecordUpstreamError(UpstreamError error);
  void ConnectionOpened();
  void ConnectionClosed();
  void TlsHandshakeFailed();

  // Snapshot copies the counters. Any thread.
  StatsSnapshot Snapshot() const;
  // AddTo adds the counters to *total (what Snapshot then Add does). Any
  // thread. StatsRegistry::Sum sums its workers without either.
  void AddTo(StatsSnapshot* total) const;

 private:
  friend class SnapshotBuilder;
  friend class StatsRegistry;  // SumInBatches lists the routes

  struct HistogramCells {
    std::array<std::atomic<uint64_t>, kDurationBuckets.size() + 1> buckets{};
    std::atomic<double> sum{0};
    std::atomic<uint64_t> count{0};
  };
  struct BackendCells;
  // RouteCells is one route's duration histogram, and the head of the list
  // of its backends' counters (owning worker only: Snapshot walks
  // backends_ instead).
  struct RouteCells {
    NameTable::Name name;
    BackendCells* first_backend = nullptr;
    HistogramCells histogram;
  };
  // BackendCells is the request counts of one (route, backend) pair, one
  // per status class: a series exists once its count is not zero.
  struct BackendCells {
    NameTable::Name name;
    uint32_t route_id = 0;         // the route's name id
    BackendCells* next = nullptr;  // the route's next backend; owning worker only
    std::array<std::atomic<uint64_t>, 5> by_status_class{};  // 1xx..5xx
  };

  // Lookups by the owning worker take no lock: only it inserts, and it
  // inserts under insert_mutex_, which a snapshot also holds while it walks
  // the cells. Counter cells are relaxed atomics written by one thread only,
  // in deques, so that cells never move. Snapshots read neither
  // route_index_ nor the backend lists, which only the owner touches.
  RouteCells& FindOrInsertRoute(std::string_view route);
  BackendCells& FindOrInsertBackend(RouteCells& route, std::string_view backend);

  std::shared_ptr<NameTable> names_;
  mutable std::mutex insert_mutex_;
  std::deque<RouteCells> routes_;
  std::deque<BackendCells> backends_;
  IdIndex route_index_;  // owning worker only: route name -> position in routes_
  std::array<std::atomic<uint64_t>, static_cast<int>(UpstreamError::kCount)> upstream_errors_{};
  std::atomic<int64_t> open_connections_{0};
  std::atomic<uint64_t> total_connections_{0};
  std::atomic<uint64_t> total_requests_{0};
  std::atomic<uint64_t> tls_handshake_failures_{0};
};

// StatsRegistry owns one WorkerStats per worker thread.
class StatsRegistry {
 public:
  explicit StatsRegistry(size_t workers);
  WorkerStats& worker(size_t index) { return *workers_[index]; }
  size_t size() const { return workers_.size(); }
  // Sum adds every worker's counters. Any thread.
  StatsSnapshot Sum() const;
  // SumInBatches is Sum's per-route families a batch of at most `routes`
  // routes at a time, for a reader that streams them (/metrics): fn gets one
  // snapshot per batch, in ascending route order, of the routes counted
  // when the walk began. A scrape of thousands of routes then holds one
  // batch, not every route's histogram at once (at 5,000 routes that was
  // 1-2 MB at every scrape, and it set the process's peak). The fixed-size
  // fields of each batch are the totals, as Sum's.
  void SumInBatches(size_t routes, const std::function<void(const StatsSnapshot&)>& fn) const;
  // SumTotals is Sum without the per-route families: the fixed-size fields.
  StatsSnapshot SumTotals() const;

 private:
  std::shared_ptr<NameTable> names_;  // shared by the workers
  std::vector<std::unique_ptr<WorkerStats>> workers_;
};

}  // namespace atrium::stats
