#include "proxy/stats/worker_stats.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <tuple>
#include <type_traits>

namespace atrium::stats {
namespace {

// BumpOwned adds to a cell only its owner writes: a relaxed load and store
// (no locked read-modify-write), still a data-race-free atomic for readers.
template <typename T>
void BumpOwned(std::atomic<T>& cell, T delta) {
  cell.store(cell.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

int StatusClass(int status) {
  if (status < 100 || status > 599) return 5;
  return status / 100;
}

}  // namespace

std::string_view UpstreamErrorName(UpstreamError error) {
  switch (error) {
    case UpstreamError::kConnectFailed:
      return "connect_failed";
    case UpstreamError::kConnectTimeout:
      return "connect_timeout";
    case UpstreamError::kRequestTimeout:
      return "request_timeout";
    case UpstreamError::kReset:
      return "reset";
    case UpstreamError::kProtocol:
      return "protocol";
    case UpstreamError::kNoHealthyEndpoint:
      return "no_healthy_endpoint";
    case UpstreamError::kCount:
      break;
  }
  return "unknown";
}

void Histogram::Add(const Histogram& other) {
  for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += other.buckets[i];
  sum += other.sum;
  count += other.count;
}

void StatsSnapshot::Add(const StatsSnapshot& other) {
  // Both families are sorted: one merge each. Equal keys may be views of
  // two name tables, so keys are compared as text.
  auto merge = [](auto& into, const auto& from, auto add) {
    auto& mine = into.entries();
    std::remove_reference_t<decltype(mine)> merged;
    merged.reserve(mine.size() + from.size());
    auto a = mine.begin();
    auto b = from.begin();
    while (a != mine.end() || b != from.end()) {
      if (b == from.end() || (a != mine.end() && a->first < b->first)) {
        merged.push_back(std::move(*a++));
      } else if (a == mine.end() || b->first < a->first) {
        merged.push_back(*b++);
      } else {
        merged.push_back(std::move(*a++));
        add(merged.back().second, (b++)->second);
      }
    }
    mine = std::move(merged);
  };
  merge(requests, other.requests, [](uint64_t& sum, uint64_t value) { sum += value; });
  merge(duration_by_route, other.duration_by_route,
        [](Histogram& sum, const Histogram& value) { sum.Add(value); });
  for (size_t i = 0; i < upstream_errors.size(); ++i)
    upstream_errors[i] += other.upstream_errors[i];
  open_connections += other.open_connections;
  tls_handshake_failures += other.tls_handshake_failures;
  total_connections += other.total_connections;
  total_requests += other.total_requests;
  for (const auto& owner : other.name_owners) {
    if (std::find(name_owners.begin(), name_owners.end(), owner) == name_owners.end()) {
      name_owners.push_back(owner);
    }
  }
}

// SnapshotBuilder sums workers that intern their labels in one NameTable:
// histograms by route name id through a dense array, request counts as one
// compact list of ids sorted once. No map, and no label copied: the
// snapshot's keys are views of the table, which it keeps alive. Every
// vector is sized by a first pass, so a scrape of thousands of routes
// allocates what the snapshot holds and one list of ids besides.
class SnapshotBuilder {
 public:
  // RouteFilter picks the routes a builder sums: those whose name id maps
  // to `batch` in *batch_of (by id; ids past its end are not picked).
  struct RouteFilter {
    const std::vector<uint32_t>* batch_of = nullptr;
    uint32_t batch = 0;
  };

  explicit SnapshotBuilder(std::shared_ptr<const NameTable> names,
                           std::optional<RouteFilter> filter = std::nullopt)
      : names_(std::move(names)), filter_(filter) {}

  // Count is the first pass over a worker: the routes not seen yet and the
  // series. Call it for every worker, then Reserve, then Add for each.
  void Count(const WorkerStats& worker) {
    std::lock_guard lock(worker.insert_mutex_);
    for (const WorkerStats::RouteCells& route : worker.routes_) {
      if (!Picked(route.name.id)) continue;
      uint32_t& slot = RouteSlot(route.name.id);
      if (slot == kNoSlot) {
        slot = kCounted;
        ++route_count_;
      }
    }
    for (const WorkerStats::BackendCells& backend : worker.backends_) {
      if (!Picked(backend.route_id)) continue;
      for (const auto& cell : backend.by_status_class) {
        if (cell.load(std::memory_order_relaxed) != 0) ++series_count_;
      }
    }
  }

  void Reserve() {
    std::fill(route_slots_.begin(), route_slots_.end(), kNoSlot);
    // A worker may add a few series between the passes: room for those.
    durations_.reserve(route_count_ + kSlack);
    series_.reserve(series_count_ + kSlack);
  }

  void Add(const WorkerStats& worker) {
    {
      std::lock_guard lock(worker.insert_mutex_);
      for (const WorkerStats::RouteCells& route : worker.routes_) {
        if (!Picked(route.name.id)) continue;
        uint32_t& slot = RouteSlot(route.name.id);
        if (slot == kNoSlot) {
          slot = static_cast<uint32_t>(durations_.size());
          durations_.emplace_back(route.name.text, Histogram{});
        }
        Histogram& histogram = durations_[slot].second;
        const WorkerStats::HistogramCells& cells = route.histogram;
        for (size_t i = 0; i < cells.buckets.size(); ++i) {
          histogram.buckets[i] += cells.buckets[i].load(std::memory_order_relaxed);
        }
        histogram.sum += cells.sum.load(std::memory_order_relaxed);
        histogram.count += cells.count.load(std::memory_order_relaxed);
      }
      // Every backend's route was inserted before it, so it has a slot.
      for (const WorkerStats::BackendCells& backend : worker.backends_) {
        if (!Picked(backend.route_id)) continue;
        for (size_t i = 0; i < backend.by_status_class.size(); ++i) {
          const uint64_t count = backend.by_status_class[i].load(std::memory_order_relaxed);
          if (count == 0) continue;
          series_.push_back({route_slots_[backend.route_id], backend.name.id,
                             static_cast<uint32_t>(i) + 1, count});
        }
      }
    }
    for (size_t i = 0; i < worker.upstream_errors_.size(); ++i) {
      fixed_.upstream_errors[i] += worker.upstream_errors_[i].load(std::memory_order_relaxed);
    }
    fixed_.open_connections += worker.open_connections_.load(std::memory_order_relaxed);
    fixed_.tls_handshake_failures += worker.tls_handshake_failures_.load(std::memory_order_relaxed);
    fixed_.total_connections += worker.total_connections_.load(std::memory_order_relaxed);
    fixed_.total_requests += worker.total_requests_.load(std::memory_order_relaxed);
  }

  StatsSnapshot Finish() && {
    StatsSnapshot snapshot = std::move(fixed_);
    // The same series of several workers: equal ids, next to each other
    // once sorted.
    std::sort(series_.begin(), series_.end());
    size_t kept = 0;
    for (size_t i = 0; i < series_.size(); ++i) {
      if (kept > 0 && series_[kept - 1].SameKey(series_[i])) {
        series_[kept - 1].count += series_[i].count;
      } else {
        series_[kept++] = series_[i];
      }
    }
    auto& requests = snapshot.requests.entries();
    requests.reserve(kept);
    for (size_t i = 0; i < kept; ++i) {
      const Series& series = series_[i];
      requests.emplace_back(
          RequestKeyView(durations_[series.route_slot].first, names_->Text(series.backend_id),
                         static_cast<int>(series.status_class)),
          series.count);
    }
    series_ = {};
    std::sort(requests.begin(), requests.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::sort(durations_.begin(), durations_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    snapshot.duration_by_route.entries() = std::move(durations_);
    snapshot.name_owners.push_back(std::move(names_));
    return snapshot;
  }

 private:
  static constexpr uint32_t kNoSlot = IdIndex::kNone;
  static constexpr uint32_t kCounted = kNoSlot - 1;
  static constexpr size_t kSlack = 16;

  // Series is one request count by ids, 24 bytes where a keyed entry of the
  // snapshot is 48.
  struct Series {
    uint32_t route_slot;  // in durations_
    uint32_t backend_id;
    uint32_t status_class;
    uint64_t count;
    bool SameKey(const Series& other) const {
      return route_slot == other.route_slot && backend_id == other.backend_id &&
             status_class == other.status_class;
    }
    bool operator<(const Series& other) const {
      return std::tie(route_slot, backend_id, status_class) <
             std::tie(other.route_slot, other.backend_id, other.status_class);
    }
  };

  bool Picked(uint32_t route_id) const {
    if (!filter_) return true;
    const std::vector<uint32_t>& batch_of = *filter_->batch_of;
    return route_id < batch_of.size() && batch_of[route_id] == filter_->batch;
  }

  uint32_t& RouteSlot(uint32_t route_id) {
    // Ids interned while the builder runs (a worker counting a new route)
    // grow the array.
    if (route_id >= route_slots_.size()) route_slots_.resize(route_id + 1, kNoSlot);
    return route_slots_[route_id];
  }

  std::shared_ptr<const NameTable> names_;
  std::optional<RouteFilter> filter_;
  size_t route_count_ = 0;
  size_t series_count_ = 0;
  std::vector<uint32_t> route_slots_;  // by route name id: position in durations_
  std::vector<std::pair<std::string_view, Histogram>> durations_;
  std::vector<Series> series_;
  StatsSnapshot fixed_;  // the fixed-size fields
};

WorkerStats::WorkerStats() : WorkerStats(std::make_shared<NameTable>()) {}
WorkerStats::WorkerStats(std::shared_ptr<NameTable> names) : names_(std::move(names)) {}
WorkerStats::~WorkerStats() = default;

WorkerStats::RouteCells& WorkerStats::FindOrInsertRoute(std::string_view route) {
  const std::hash<std::string_view> hasher;
  const size_t hash = hasher(route);
  uint32_t position =
      route_index_.Find(hash, [this, route](uint32_t i) { return routes_[i].name.text == route; });
  if (position != IdIndex::kNone) return routes_[position];
  const NameTable::Name name = names_->Intern(route);
  {
    std::lock_guard lock(insert_mutex_);
    routes_.emplace_back().name = name;
  }
  position = static_cast<uint32_t>(routes_.size() - 1);
  route_index_.Insert(hash, position,
                      [this, &hasher](uint32_t i) { return hasher(routes_[i].name.text); });
  return routes_[position];
}

WorkerStats::BackendCells& WorkerStats::FindOrInsertBackend(RouteCells& route,
                                                            std::string_view backend) {
  // A route has a handful of backends at most: a walk beats a hash.
  for (BackendCells* cells = route.first_backend; cells != nullptr; cells = cells->next) {
    if (cells->name.text == backend) return *cells;
  }
  const NameTable::Name name = names_->Intern(backend);
  std::lock_guard lock(insert_mutex_);
  BackendCells& cells = backends_.emplace_back();
  cells.name = name;
  cells.route_id = route.name.id;
  cells.next = route.first_backend;
  route.first_backend = &cells;
  return cells;
}

void WorkerStats::RecordRequest(std::string_view route, std::string_view backend, int status,
                                double duration_seconds) {
  RouteCells& route_cells = FindOrInsertRoute(route);
  BackendCells& backend_cells = FindOrInsertBackend(route_cells, backend);
  BumpOwned<uint64_t>(backend_cells.by_status_class[StatusClass(status) - 1], 1);
  HistogramCells& histogram = route_cells.histogram;
  size_t bucket =
      std::lower_bound(kDurationBuckets.begin(), kDurationBuckets.end(), duration_seconds) -
      kDurationBuckets.begin();
  BumpOwned<uint64_t>(histogram.buckets[bucket], 1);
  BumpOwned<double>(histogram.sum, duration_seconds);
  BumpOwned<uint64_t>(histogram.count, 1);
  BumpOwned<uint64_t>(total_requests_, 1);
}

void WorkerStats::RecordUpstreamError(UpstreamError error) {
  BumpOwned<uint64_t>(upstream_errors_[static_cast<int>(error)], 1);
}

void WorkerStats::ConnectionOpened() {
  BumpOwned<int64_t>(open_connections_, 1);
  BumpOwned<uint64_t>(total_connections_, 1);
}

void WorkerStats::ConnectionClosed() { BumpOwned<int64_t>(open_connections_, -1); }

void WorkerStats::TlsHandshakeFailed() { BumpOwned<uint64_t>(tls_handshake_failures_, 1); }

StatsSnapshot WorkerStats::Snapshot() const {
  SnapshotBuilder builder(names_);
  builder.Count(*this);
  builder.Reserve();
  builder.Add(*this);
  return std::move(builder).Finish();
}

void WorkerStats::AddTo(StatsSnapshot* total) const { total->Add(Snapshot()); }

StatsRegistry::StatsRegistry(size_t workers) : names_(std::make_shared<NameTable>()) {
  for (size_t i = 0; i < workers; ++i) workers_.push_back(std::make_unique<WorkerStats>(names_));
}

StatsSnapshot StatsRegistry::Sum() const {
  SnapshotBuilder builder(names_);
  for (const auto& worker : workers_) builder.Count(*worker);
  builder.Reserve();
  for (const auto& worker : workers_) builder.Add(*worker);
  return std::move(builder).Finish();
}

StatsSnapshot StatsRegistry::SumTotals() const {
  const std::vector<uint32_t> no_route;
  SnapshotBuilder builder(names_, SnapshotBuilder::RouteFilter{&no_route, 0});
  for (const auto& worker : workers_) builder.Add(*worker);
  return std::move(builder).Finish();
}

void StatsRegistry::SumInBatches(size_t routes,
                                 const std::function<void(const StatsSnapshot&)>& fn) const {
  if (routes == 0) routes = 1;
  // Every route counted so far, by name: a view and an id each (24 bytes a
  // route, where its histogram in a snapshot is 152), then one batch number
  // per id.
  std::vector<std::pair<std::string_view, uint32_t>> by_name;
  size_t counted = 0;
  for (const auto& worker : workers_) {
    std::lock_guard lock(worker->insert_mutex_);
    counted += worker->routes_.size();
  }
  // Sized once (a worker may add a route between the walks: then it grows):
  // grown by doubling it was three blocks of up to 200 kB a scrape.
  by_name.reserve(counted);
  for (const auto& worker : workers_) {
    std::lock_guard lock(worker->insert_mutex_);
    for (const WorkerStats::RouteCells& route : worker->routes_) {
      by_name.emplace_back(route.name.text, route.name.id);
    }
  }
  std::sort(by_name.begin(), by_name.end());
  by_name.erase(std::unique(by_name.begin(), by_name.end()), by_name.end());
  std::vector<uint32_t> batch_of(names_->size(), IdIndex::kNone);
  for (size_t i = 0; i < by_name.size(); ++i) {
    batch_of[by_name[i].second] = static_cast<uint32_t>(i / routes);
  }
  const size_t batches = (by_name.size() + routes - 1) / routes;
  by_name = {};
  for (size_t batch = 0; batch < batches; ++batch) {
    SnapshotBuilder builder(names_,
                            SnapshotBuilder::RouteFilter{&batch_of, static_cast<uint32_t>(batch)});
    for (const auto& worker : workers_) builder.Count(*worker);
    builder.Reserve();
    for (const auto& worker : workers_) builder.Add(*worker);
    fn(std::move(builder).Finish());
  }
}

}  // namespace atrium::stats
