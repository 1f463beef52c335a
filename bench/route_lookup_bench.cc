// route_lookup_bench measures the data plane's read path the way "RCU is
// Pretty Cool" did (see shared/REFERENCES.md): not as an average but as a
// latency distribution (p50, p99, max) per lookup, while a writer publishes
// a new table every 1 ms or every 1 s, with the same table behind a
// std::shared_mutex as the locked baseline in the same run. It ends with a
// side-by-side table and the ratios.
//
// Churn modes (the writer does exactly the same work for both variants):
//   none     no writer
//   1ms, 1s  a full Compile of the whole configuration, published every
//            period: every table is new from the first byte to the last
//   1ms-inc  what a reconciler does on an EndpointSlice change: one host's
//            endpoints change per publish, and Compile reuses the rest
//            through a CompileCache
//   1ms-dry  the writer of "1ms" compiles and frees its tables but never
//            publishes them: the readers pay only for sharing the CPUs, so
//            1ms vs 1ms-dry is what RCU publishing itself costs the readers
// The RCU and locked runs of one case are registered next to each other, so
// that they see the same background load on a shared machine. With
// --benchmark_repetitions=N the table shows the median of the N runs.
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
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

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

enum class Churn { kNone, kFull1ms, kFull1s, kIncremental1ms, kFullDry1ms };

const char* ChurnName(Churn churn) {
  switch (churn) {
    case Churn::kNone:
      return "none";
    case Churn::kFull1ms:
      return "1ms";
    case Churn::kFull1s:
      return "1s";
    case Churn::kIncremental1ms:
      return "1ms-inc";
    case Churn::kFullDry1ms:
      return "1ms-dry";
  }
  return "?";
}

std::chrono::microseconds ChurnPeriod(Churn churn) {
  return churn == Churn::kFull1s ? std::chrono::seconds(1) : std::chrono::milliseconds(1);
}

// Writer publishes a freshly compiled table every period until stopped. It
// compiles before waiting for its turn, so the period is the time between
// publishes as long as a Compile takes less than that.
class Writer {
 public:
  template <typename PublishFn>
  Writer(Churn churn, const ir::RouteConfig& config, PublishFn publish)
      : thread_([this, churn, config = ir::RouteConfig(config), publish]() mutable {
          const std::chrono::microseconds period = ChurnPeriod(churn);
          table::CompileCache cache;
          if (churn == Churn::kIncremental1ms) {
            table::RouteTable::Compile(config, 1, nullptr, &cache);  // as the first publish did
          }
          size_t changed_host = 0;
          uint64_t generation = 2;
          Clock::time_point next = Clock::now() + period;
          while (!stop_.load(std::memory_order_relaxed)) {
            std::unique_ptr<table::RouteTable> table;
            if (churn == Churn::kIncremental1ms) {
              // One Service's endpoints move (as an EndpointSlice update
              // would): every route of one host changes, the rest do not.
              auto& hosts = config.listeners[0].virtual_hosts;
              for (SharedValue<ir::Route>& route : hosts[changed_host].Mutable().routes) {
                for (ir::Endpoint& endpoint : route.Mutable().backends[0].endpoints.Mutable()) {
                  endpoint.port ^= 1;
                }
              }
              changed_host = (changed_host + 1) % hosts.size();
              table = table::RouteTable::Compile(config, generation++, nullptr, &cache);
            } else {
              table = table::RouteTable::Compile(config, generation++);
            }
            while (Clock::now() < next && !stop_.load(std::memory_order_relaxed)) {
              std::this_thread::sleep_for(
                  std::min<Clock::duration>(next - Clock::now(), std::chrono::milliseconds(5)));
            }
            if (churn == Churn::kFullDry1ms) {
              table.reset();  // the same work, but readers never see a new table
            } else {
              publish(std::move(table));
            }
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
// "rcu/routes:1000/churn:1ms" -> one per reported run (not per warm-up call)
std::map<std::string, std::vector<Result>> results;

// ComparisonReporter prints as usual and keeps the figures of every run
// Google Benchmark reports, for the table at the end.
class ComparisonReporter : public benchmark::ConsoleReporter {
 public:
  ComparisonReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& reports) override {
    for (const Run& run : reports) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      const auto counter = [&run](const char* name) {
        auto it = run.counters.find(name);
        return it == run.counters.end() ? 0.0 : static_cast<double>(it->second);
      };
      results[run.run_name.function_name].push_back(
          Result{static_cast<int64_t>(counter("p50_ns")), static_cast<int64_t>(counter("p99_ns")),
                 static_cast<int64_t>(counter("max_ns")), counter("publishes_per_s")});
    }
    ConsoleReporter::ReportRuns(reports);
  }
};

int64_t ClockOverheadNs() {
  LatencyHistogram histogram;
  for (int i = 0; i < 100000; ++i) {
    auto a = Clock::now();
    auto b = Clock::now();
    histogram.Add(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
  }
  return histogram.Percentile(0.5);
}

int64_t clock_overhead = 0;  // set once in main, before any benchmark runs

template <bool kRcu>
void BM_Lookup(benchmark::State& state, int routes, Churn churn) {
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
  if (churn != Churn::kNone) {
    writer = std::make_unique<Writer>(churn, config, [&](std::unique_ptr<table::RouteTable> table) {
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
}

constexpr Churn kChurns[] = {Churn::kNone, Churn::kFull1ms, Churn::kFullDry1ms, Churn::kFull1s,
                             Churn::kIncremental1ms};

void RegisterAll() {
  for (int routes : {10, 1000, 10000}) {
    for (Churn churn : kChurns) {
      const std::string suffix = "/routes:" + std::to_string(routes) + "/churn:" + ChurnName(churn);
      benchmark::RegisterBenchmark(("rcu" + suffix).c_str(), BM_Lookup<true>, routes, churn)
          ->Unit(benchmark::kNanosecond);
      benchmark::RegisterBenchmark(("locked" + suffix).c_str(), BM_Lookup<false>, routes, churn)
          ->Unit(benchmark::kNanosecond);
    }
  }
}

// Median returns the median of one figure over the runs of a case.
int64_t Median(const std::vector<Result>& runs, int64_t Result::*figure) {
  std::vector<int64_t> values;
  for (const Result& run : runs) values.push_back(run.*figure);
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

Result MedianResult(const std::vector<Result>& runs) {
  double publishes = 0;
  for (const Result& run : runs) publishes += run.publishes_per_second;
  return Result{Median(runs, &Result::p50), Median(runs, &Result::p99), Median(runs, &Result::max),
                publishes / static_cast<double>(runs.size())};
}

// Figures returns the median figures of a case, or nullptr when it did not run.
const Result* Figures(const std::string& key) {
  static std::map<std::string, Result> medians;
  auto it = results.find(key);
  if (it == results.end() || it->second.empty()) return nullptr;
  return &(medians[key] = MedianResult(it->second));
}

void PrintComparison() {
  std::printf("\nroute lookup latency per request, ns (p50 / p99 / max), RCU vs shared_mutex\n");
  std::printf("(clock overhead of %lld ns subtracted from every sample", (long long)clock_overhead);
  size_t runs = 0;
  for (const auto& [key, list] : results) runs = std::max(runs, list.size());
  if (runs > 1) std::printf("; median of %zu runs", runs);
  std::printf(")\n");
  std::printf("%-7s %-7s | %-22s | %-22s | %-14s | %s\n", "routes", "churn", "rcu p50/p99/max",
              "locked p50/p99/max", "p99 locked/rcu", "publishes/s rcu/locked");
  for (int routes : {10, 1000, 10000}) {
    for (Churn churn_mode : kChurns) {
      const char* churn = ChurnName(churn_mode);
      const std::string suffix = "/routes:" + std::to_string(routes) + "/churn:" + churn;
      const Result* rcu = Figures("rcu" + suffix);
      const Result* locked = Figures("locked" + suffix);
      if (rcu == nullptr || locked == nullptr) continue;
      char left[64], right[64];
      std::snprintf(left, sizeof(left), "%lld/%lld/%lld", (long long)rcu->p50, (long long)rcu->p99,
                    (long long)rcu->max);
      std::snprintf(right, sizeof(right), "%lld/%lld/%lld", (long long)locked->p50,
                    (long long)locked->p99, (long long)locked->max);
      std::printf(
          "%-7d %-7s | %-22s | %-22s | %13.2fx | %.0f/%.0f\n", routes, churn, left, right,
          static_cast<double>(locked->p99) / static_cast<double>(std::max<int64_t>(1, rcu->p99)),
          rcu->publishes_per_second, locked->publishes_per_second);
    }
  }
  for (int routes : {10, 1000, 10000}) {
    const std::string prefix = "rcu/routes:" + std::to_string(routes) + "/churn:";
    const Result* calm = Figures(prefix + "none");
    if (calm == nullptr) continue;
    for (const char* churn : {"1ms", "1ms-inc", "1ms-dry"}) {
      const Result* busy = Figures(prefix + churn);
      if (busy == nullptr) continue;
      std::printf(
          "rcu %5d routes: p99 under %-7s churn / p99 without churn = %.2fx (target <= 2x)\n",
          routes, churn,
          static_cast<double>(busy->p99) / static_cast<double>(std::max<int64_t>(1, calm->p99)));
    }
  }
  if (const Result* target = Figures("rcu/routes:1000/churn:none")) {
    std::printf("rcu p50 at 1000 routes: %lld ns (target <= 50 ns)\n", (long long)target->p50);
  }
}

}  // namespace
}  // namespace atrium::bench

int main(int argc, char** argv) {
  // One second per case unless the command line says otherwise.
  std::vector<char*> args(argv, argv + argc);
  std::string min_time = "--benchmark_min_time=1";
  bool has_min_time = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).starts_with("--benchmark_min_time")) has_min_time = true;
  }
  if (!has_min_time) args.insert(args.begin() + 1, min_time.data());
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  atrium::bench::clock_overhead = atrium::bench::ClockOverheadNs();
  atrium::bench::RegisterAll();
  atrium::bench::ComparisonReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  atrium::bench::PrintComparison();
  return 0;
}
