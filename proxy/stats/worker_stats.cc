#include "proxy/stats/worker_stats.h"

#include <algorithm>

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
  for (const auto& [key, value] : other.requests) requests[key] += value;
  for (const auto& [route, histogram] : other.duration_by_route) {
    duration_by_route[route].Add(histogram);
  }
  for (size_t i = 0; i < upstream_errors.size(); ++i)
    upstream_errors[i] += other.upstream_errors[i];
  open_connections += other.open_connections;
  tls_handshake_failures += other.tls_handshake_failures;
  total_connections += other.total_connections;
  total_requests += other.total_requests;
}

struct WorkerStats::Series {
  RequestKey key;
  std::atomic<uint64_t> count{0};
};

struct WorkerStats::HistogramCells {
  std::array<std::atomic<uint64_t>, kDurationBuckets.size() + 1> buckets{};
  std::atomic<double> sum{0};
  std::atomic<uint64_t> count{0};
};

WorkerStats::WorkerStats() = default;
WorkerStats::~WorkerStats() = default;

WorkerStats::Series* WorkerStats::FindOrInsert(std::string_view route, std::string_view backend,
                                               int status_class) {
  scratch_key_.assign(route);
  scratch_key_.push_back('\0');
  scratch_key_.append(backend);
  scratch_key_.push_back('\0');
  scratch_key_.push_back(static_cast<char>('0' + status_class));
  auto it = series_.find(scratch_key_);
  if (it != series_.end()) return it->second.get();
  auto series = std::make_unique<Series>();
  series->key = RequestKey{std::string(route), std::string(backend), status_class};
  std::lock_guard lock(insert_mutex_);
  return series_.emplace(scratch_key_, std::move(series)).first->second.get();
}

WorkerStats::HistogramCells* WorkerStats::FindOrInsertHistogram(std::string_view route) {
  scratch_key_.assign(route);
  auto it = histograms_.find(scratch_key_);
  if (it != histograms_.end()) return it->second.get();
  std::lock_guard lock(insert_mutex_);
  return histograms_.emplace(scratch_key_, std::make_unique<HistogramCells>()).first->second.get();
}

void WorkerStats::RecordRequest(std::string_view route, std::string_view backend, int status,
                                double duration_seconds) {
  Series* series = FindOrInsert(route, backend, StatusClass(status));
  BumpOwned<uint64_t>(series->count, 1);
  HistogramCells* histogram = FindOrInsertHistogram(route);
  size_t bucket =
      std::lower_bound(kDurationBuckets.begin(), kDurationBuckets.end(), duration_seconds) -
      kDurationBuckets.begin();
  BumpOwned<uint64_t>(histogram->buckets[bucket], 1);
  BumpOwned<double>(histogram->sum, duration_seconds);
  BumpOwned<uint64_t>(histogram->count, 1);
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
  StatsSnapshot snapshot;
  AddTo(&snapshot);
  return snapshot;
}

void WorkerStats::AddTo(StatsSnapshot* total) const {
  {
    std::lock_guard lock(insert_mutex_);
    for (const auto& [unused, series] : series_) {
      total->requests[series->key] += series->count.load(std::memory_order_relaxed);
    }
    for (const auto& [route, cells] : histograms_) {
      Histogram histogram;
      for (size_t i = 0; i < cells->buckets.size(); ++i) {
        histogram.buckets[i] = cells->buckets[i].load(std::memory_order_relaxed);
      }
      histogram.sum = cells->sum.load(std::memory_order_relaxed);
      histogram.count = cells->count.load(std::memory_order_relaxed);
      total->duration_by_route[route].Add(histogram);
    }
  }
  for (size_t i = 0; i < upstream_errors_.size(); ++i) {
    total->upstream_errors[i] += upstream_errors_[i].load(std::memory_order_relaxed);
  }
  total->open_connections += open_connections_.load(std::memory_order_relaxed);
  total->tls_handshake_failures += tls_handshake_failures_.load(std::memory_order_relaxed);
  total->total_connections += total_connections_.load(std::memory_order_relaxed);
  total->total_requests += total_requests_.load(std::memory_order_relaxed);
}

StatsRegistry::StatsRegistry(size_t workers) {
  for (size_t i = 0; i < workers; ++i) workers_.push_back(std::make_unique<WorkerStats>());
}

StatsSnapshot StatsRegistry::Sum() const {
  StatsSnapshot total;
  for (const auto& worker : workers_) worker->AddTo(&total);
  return total;
}

}  // namespace atrium::stats
