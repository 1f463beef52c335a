// route_lookup_bench measures the data plane's read path the way "RCU is
// Pretty Cool" did (see shared/REFERENCES.md): not as an average but as a
// latency distribution (p50, p99, max) per lookup, while a writer publishes
// a new table every 1 ms or every 1 s, with the same table behind a
// std::shared_mutex as the locked baseline in the same run. It ends with a
// side-by-side table and the ratios.
//
//   build/release/bench/route_lookup_bench [--benchmark_filter=...]

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "proxy/table/table_publisher.h"

namespace atrium::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRoutesPerHost = 10;

// Config with routes spread over hosts, kRoutesPerHost path prefixes each.
ir::RouteConfig MakeConfig(int routes) {
  ir::RouteConfig config;
  ir::Listener listener;
  listener.port = 80;
  listener.bind_port = 8080;
  const int hosts = std::max(1, routes / kRoutesPerHost);
  for (int h = 0; h < hosts; ++h) {
    ir::VirtualHost vhost;
    vhost.kind = ir::HostnameKind::kExact;
    vhost.hostname = "host-" + std::to_string(h) + ".example.com";
    for (int r = kRoutesPerHost - 1; r >= 0; --r) {
      ir::Route route;
      route.name = "httproute/ns/route-" + std::to_string(h) + "/rule/" + std::to_string(r);
      route.match.path = {ir::PathMatchKind::kPrefix, "/api/v" + std::to_string(r)};
      route.backends.push_back({"ns/svc-" + std::to_string(h) + ":80",
                                1,
                                true,
                                {{"10.0.0." + std::to_string(h % 250), 8080, true}},
                                {},
                                {}});
      vhost.routes.push_back(std::move(route));
    }
    listener.virtual_hosts.push_back(std::move(vhost));
  }
  config.listeners.push_back(std::move(listener));
  return config;
}

struct Request {
  std::string host;
  std::string path;
};

std::vector<Request> MakeRequests(int routes) {
  const int hosts = std::max(1, routes / kRoutesPerHost);
  std::mt19937 rng(42);
  std::vector<Request> requests;
  for (int i = 0; i < 4096; ++i) {
    int h = static_cast<int>(rng() % hosts);
    int r = static_cast<int>(rng() % kRoutesPerHost);
    requests.push_back({"host-" + std::to_string(h) + ".example.com",
                        "/api/v" + std::to_string(r) + "/items/" + std::to_string(i)});
  }
  return requests;
}

// LatencyHistogram: 1 ns buckets below 4096 ns, then powers of two.
class LatencyHistogram {
 public:
  void Add(int64_t ns) {
    if (ns < 0) ns = 0;
    if (ns < kLinear) {
      ++linear_[ns];
    } else {
      int bucket = 0;
      while ((kLinear << (bucket + 1)) <= ns && bucket < 40) ++bucket;
      ++log_[bucket];
    }
    max_ = std::max(max_, ns);
    ++count_;
  }
  int64_t Percentile(double p) const {
    const uint64_t rank = static_cast<uint64_t>(p * static_cast<double>(count_));
    uint64_t seen = 0;
    for (int64_t i = 0; i < kLinear; ++i) {
      seen += linear_[i];
      if (seen > rank) return i;
    }
    for (int b = 0; b < 41; ++b) {
      seen += log_[b];
      if (seen > rank) return kLinear << (b + 1);
    }
    return max_;
  }
  int64_t max() const { return max_; }

 private:
  static constexpr int64_t kLinear = 4096;
  std::vector<uint64_t> linear_ = std::vector<uint64_t>(kLinear);
  std::array<uint64_t, 41> log_{};
  int64_t max_ = 0;
  uint64_t count_ = 0;
};

class HostHeaders : public table::HeaderSource {
 public:
  std::optional<std::string_view> Find(std::string_view) const override { return std::nullopt; }
};

// LockedTable is the baseline: the same immutable table behind a
// shared_mutex, the way a reader/writer-locked route map works.
class LockedTable {
 public:
  void Publish(std::unique_ptr<table::RouteTable> table) {
    std::unique_ptr<table::RouteTable> old;
    {
      std::unique_lock lock(mutex_);
      old = std::move(table_);
      table_ = std::move(table);
    }
  }
  table::LookupResult Lookup(const table::RequestView& view) const {
    std::shared_lock lock(mutex_);
    return table_->Lookup(view);
  }

 private:
  mutable std::shared_mutex mutex_;
  std::unique_ptr<table::RouteTable> table_;
};

// Writer publishes a freshly compiled table every period until stopped.
class Writer {
 public:
  template <typename PublishFn>
  Writer(std::chrono::microseconds period, const ir::RouteConfig& config, PublishFn publish)
      : thread_([this, period, config, publish] {
          uint64_t generation = 2;
          Clock::time_point next = Clock::now() + period;
          while (!stop_.load(std::memory_order_relaxed)) {
            auto table = table::RouteTable::Compile(config, generation++);
            while (Clock::now() < next && !stop_.load(std::memory_order_relaxed)) {
              std::this_thread::sleep_for(
                  std::min<Clock::duration>(next - Clock::now(), std::chrono::milliseconds(5)));
            }
            publish(std::move(table));
            publishes_.fetch_add(1, std::memory_order_relaxed);
            next += period;
            if (next < Clock::now()) next = Clock::now();
          }
        }) {}
  ~Writer() {
    stop_.store(true);
    thread_.join();
  }
  uint64_t publishes() const { return publishes_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> publishes_{0};
  std::thread thread_;
};

struct Result {
  int64_t p50 = 0, p99 = 0, max = 0;
  double publishes_per_second = 0;
};
std::map<std::string, Result> results;  // "rcu/1000/1ms" -> figures

int64_t ClockOverheadNs() {
  LatencyHistogram histogram;
  for (int i = 0; i < 100000; ++i) {
    auto a = Clock::now();
    auto b = Clock::now();
    histogram.Add(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
  }
  return histogram.Percentile(0.5);
}

const char* ChurnName(int64_t churn_us) {
  if (churn_us == 0) return "none";
  if (churn_us == 1000) return "1ms";
  return "1s";
}

template <bool kRcu>
void BM_Lookup(benchmark::State& state) {
  const int routes = static_cast<int>(state.range(0));
  const int64_t churn_us = state.range(1);
  static const int64_t clock_overhead = ClockOverheadNs();
  const ir::RouteConfig config = MakeConfig(routes);
  const std::vector<Request> requests = MakeRequests(routes);

  table::TablePublisher publisher;
  LockedTable locked;
  table::RcuThreadRegistration registration;
  if constexpr (kRcu) {
    publisher.Publish(table::RouteTable::Compile(config, 1));
  } else {
    locked.Publish(table::RouteTable::Compile(config, 1));
  }
  std::unique_ptr<Writer> writer;
  if (churn_us > 0) {
    writer = std::make_unique<Writer>(std::chrono::microseconds(churn_us), config,
                                      [&](std::unique_ptr<table::RouteTable> table) {
                                        if constexpr (kRcu) {
                                          publisher.Publish(std::move(table));
                                        } else {
                                          locked.Publish(std::move(table));
                                        }
                                      });
  }

  HostHeaders headers;
  LatencyHistogram histogram;
  size_t i = 0;
  const Clock::time_point started = Clock::now();
  for (auto _ : state) {
    const Request& request = requests[i++ & (requests.size() - 1)];
    table::RequestView view;
    view.bind_port = 8080;
    view.host = request.host;
    view.path = request.path;
    view.method = "GET";
    view.headers = &headers;
    const Clock::time_point before = Clock::now();
    table::LookupResult result;
    if constexpr (kRcu) {
      result = publisher.Lookup(view);
    } else {
      result = locked.Lookup(view);
    }
    const Clock::time_point after = Clock::now();
    benchmark::DoNotOptimize(result);
    if (result.status != 0) state.SkipWithError("lookup missed");
    histogram.Add(std::chrono::duration_cast<std::chrono::nanoseconds>(after - before).count() -
                  clock_overhead);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  Result figures{histogram.Percentile(0.50), histogram.Percentile(0.99), histogram.max(),
                 writer ? static_cast<double>(writer->publishes()) / seconds : 0.0};
  writer.reset();
  state.counters["p50_ns"] = static_cast<double>(figures.p50);
  state.counters["p99_ns"] = static_cast<double>(figures.p99);
  state.counters["max_ns"] = static_cast<double>(figures.max);
  state.counters["publishes_per_s"] = figures.publishes_per_second;
  results[std::string(kRcu ? "rcu" : "locked") + "/" + std::to_string(routes) + "/" +
          ChurnName(churn_us)] = figures;
}

void Args(benchmark::internal::Benchmark* bench) {
  for (int64_t routes : {10, 1000, 10000}) {
    for (int64_t churn_us : {0, 1000, 1000000}) bench->Args({routes, churn_us});
  }
  bench->ArgNames({"routes", "churn_us"})->MinTime(1.0)->Unit(benchmark::kNanosecond);
}

BENCHMARK(BM_Lookup<true>)->Name("rcu")->Apply(Args);
BENCHMARK(BM_Lookup<false>)->Name("locked")->Apply(Args);

void PrintComparison() {
  std::printf("\nroute lookup latency per request, ns (p50 / p99 / max), RCU vs shared_mutex\n");
  std::printf("%-7s %-6s | %-22s | %-22s | %-14s | %s\n", "routes", "churn", "rcu p50/p99/max",
              "locked p50/p99/max", "p99 locked/rcu", "publishes/s");
  for (int routes : {10, 1000, 10000}) {
    for (const char* churn : {"none", "1ms", "1s"}) {
      const std::string suffix = "/" + std::to_string(routes) + "/" + churn;
      auto rcu = results.find("rcu" + suffix);
      auto locked = results.find("locked" + suffix);
      if (rcu == results.end() || locked == results.end()) continue;
      char left[64], right[64];
      std::snprintf(left, sizeof(left), "%lld/%lld/%lld", (long long)rcu->second.p50,
                    (long long)rcu->second.p99, (long long)rcu->second.max);
      std::snprintf(right, sizeof(right), "%lld/%lld/%lld", (long long)locked->second.p50,
                    (long long)locked->second.p99, (long long)locked->second.max);
      std::printf("%-7d %-6s | %-22s | %-22s | %13.2fx | %.0f\n", routes, churn, left, right,
                  static_cast<double>(locked->second.p99) /
                      static_cast<double>(std::max<int64_t>(1, rcu->second.p99)),
                  rcu->second.publishes_per_second);
    }
  }
  for (int routes : {10, 1000, 10000}) {
    auto calm = results.find("rcu/" + std::to_string(routes) + "/none");
    auto churn = results.find("rcu/" + std::to_string(routes) + "/1ms");
    if (calm == results.end() || churn == results.end()) continue;
    std::printf("rcu %5d routes: p99 under 1ms churn / p99 without churn = %.2fx (target <= 2x)\n",
                routes,
                static_cast<double>(churn->second.p99) /
                    static_cast<double>(std::max<int64_t>(1, calm->second.p99)));
  }
  auto target = results.find("rcu/1000/none");
  if (target != results.end()) {
    std::printf("rcu p50 at 1000 routes: %lld ns (target <= 50 ns)\n",
                (long long)target->second.p50);
  }
}

}  // namespace
}  // namespace atrium::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  atrium::bench::PrintComparison();
  return 0;
}
