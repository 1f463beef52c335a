// The /metrics document: format (HELP, TYPE, valid names, cumulative
// histograms ending in +Inf, accepted by promtool when it is installed),
// de-duplication against the control-plane registry, and bounded
// cardinality: request data never becomes a label.

#include "controller/admin/metrics_text.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/check_names.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <nlohmann/json.hpp>

#include "controller/admin/admin_json.h"
#include "controller/admin/control_plane_metrics.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/table_publisher.h"
#include "tests/controller/admin/admin_test_util.h"

namespace atrium::admin {
namespace {

using ::testing::HasSubstr;
using testing::kBarBackend;
using testing::kBarRoute;
using testing::kFooBackend;
using testing::kFooRoute;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// SampleName returns the metric name of a sample line ("name{...} v").
std::string SampleName(const std::string& line) { return line.substr(0, line.find_first_of("{ ")); }

// RenderAll renders a full document: data plane, publisher and every
// control-plane family with some observations.
std::string RenderAll(table::TablePublisher& publisher, stats::StatsRegistry& stats,
                      bool process = false) {
  auto registry = std::make_shared<prometheus::Registry>();
  ControlPlaneMetrics control_plane(registry);
  control_plane.RecordPublish(2, std::chrono::system_clock::now());
  control_plane.RecordSkippedPublish();
  control_plane.ObserveTranslate(std::chrono::milliseconds(3));
  control_plane.ObserveCompile(std::chrono::microseconds(700));
  control_plane.ObservePropagation(std::chrono::milliseconds(40));
  control_plane.RecordConfigErrors(ConfigErrorKind::kObject, 3);
  control_plane.RecordStatusWrite();
  publisher.Publish(testing::CompileOrFail(testing::SampleConfig(), 2));
  stats.worker(0).RecordRequest(kFooRoute, kFooBackend, 200, 0.004);
  stats.worker(1).RecordRequest(kFooRoute, kFooBackend, 302, 0.3);
  stats.worker(1).RecordRequest(kBarRoute, kBarBackend, 502, 20);
  stats.worker(0).RecordRequest("", "", 404, 0.0001);
  stats.worker(0).RecordUpstreamError(stats::UpstreamError::kRequestTimeout);
  stats.worker(1).ConnectionOpened();

  AdminSources sources;
  sources.publisher = &publisher;
  sources.stats = &stats;
  sources.control_plane_metrics = registry;
  sources.process = process;
  return RenderMetrics(sources);
}

TEST(DataPlaneFamiliesTest, HistogramBucketsAreCumulativeAndEndInInf) {
  stats::StatsRegistry stats(2);
  stats.worker(0).RecordRequest(kFooRoute, kFooBackend, 200, 0.0004);  // first bucket
  stats.worker(1).RecordRequest(kFooRoute, kFooBackend, 200, 0.003);   // le=0.005
  stats.worker(1).RecordRequest(kFooRoute, kFooBackend, 200, 99);      // only +Inf
  std::vector<prometheus::MetricFamily> families = DataPlaneFamilies(stats.Sum());

  const prometheus::MetricFamily* duration = nullptr;
  for (const auto& family : families) {
    if (family.name == kRequestDurationMetric) duration = &family;
  }
  ASSERT_NE(duration, nullptr);
  EXPECT_EQ(duration->type, prometheus::MetricType::Histogram);
  ASSERT_EQ(duration->metric.size(), 1u);
  const auto& histogram = duration->metric[0].histogram;
  ASSERT_EQ(histogram.bucket.size(), stats::kDurationBuckets.size() + 1);
  EXPECT_EQ(histogram.bucket.front().upper_bound, 0.0005);
  EXPECT_EQ(histogram.bucket.front().cumulative_count, 1u);
  EXPECT_EQ(histogram.bucket[3].upper_bound, 0.005);
  EXPECT_EQ(histogram.bucket[3].cumulative_count, 2u);
  EXPECT_EQ(histogram.bucket[stats::kDurationBuckets.size() - 1].cumulative_count, 2u);
  EXPECT_TRUE(std::isinf(histogram.bucket.back().upper_bound));
  EXPECT_EQ(histogram.bucket.back().cumulative_count, 3u);
  EXPECT_EQ(histogram.sample_count, 3u);
  EXPECT_NEAR(histogram.sample_sum, 99.0034, 1e-9);
  for (size_t i = 1; i < histogram.bucket.size(); ++i) {
    EXPECT_GE(histogram.bucket[i].cumulative_count, histogram.bucket[i - 1].cumulative_count);
  }
}

TEST(DataPlaneFamiliesTest, EveryUpstreamErrorKindIsAlwaysPresent) {
  std::vector<prometheus::MetricFamily> families = DataPlaneFamilies(stats::StatsSnapshot{});
  for (const auto& family : families) {
    if (family.name != kUpstreamErrorsMetric) continue;
    EXPECT_EQ(family.metric.size(), static_cast<size_t>(stats::UpstreamError::kCount));
    return;
  }
  FAIL() << "no " << kUpstreamErrorsMetric;
}

TEST(RenderMetricsTest, EveryFamilyHasHelpTypeAndValidNames) {
  table::TablePublisher publisher;
  stats::StatsRegistry stats(2);
  std::string text = RenderAll(publisher, stats);

  std::map<std::string, std::string> types;  // family name -> type
  std::set<std::string> helped;
  std::vector<std::string> samples;
  for (const std::string& line : Lines(text)) {
    if (line.rfind("# HELP ", 0) == 0) {
      std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(helped.insert(name).second) << "HELP twice for " << name;
    } else if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream fields(line.substr(7));
      std::string name, type;
      fields >> name >> type;
      EXPECT_TRUE(types.emplace(name, type).second) << "TYPE twice for " << name;
      EXPECT_TRUE(prometheus::CheckMetricName(name)) << name;
      EXPECT_EQ(name.rfind("atrium_", 0), 0u) << name;
      if (type == "counter") {
        EXPECT_THAT(name, ::testing::EndsWith("_total"));
      } else {
        EXPECT_THAT(name, Not(::testing::EndsWith("_total")));
      }
    } else if (!line.empty()) {
      samples.push_back(line);
    }
  }
  EXPECT_EQ(helped.size(), types.size());
  // 6 data plane (incl. TLS handshake failures) + 9 control plane (generation shared)
  EXPECT_EQ(types.size(), 15u);
  EXPECT_EQ(types["atrium_tls_handshake_failures_total"], "counter");
  EXPECT_EQ(types["atrium_request_duration_seconds"], "histogram");
  EXPECT_EQ(types["atrium_open_connections"], "gauge");
  EXPECT_EQ(types["atrium_route_table_generation"], "gauge");

  // Every sample belongs to a declared family (histograms through their
  // _bucket, _sum and _count series).
  for (const std::string& sample : samples) {
    std::string name = SampleName(sample);
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
          types.count(name.substr(0, name.size() - s.size())) != 0) {
        family = name.substr(0, name.size() - s.size());
      }
    }
    EXPECT_EQ(types.count(family), 1u) << sample;
  }
  // Each histogram series has a +Inf bucket, _sum and _count.
  for (const char* histogram :
       {"atrium_request_duration_seconds_bucket{route=\"httproute/default/foo/rule/"
        "0\",le=\"+Inf\"} 2",
        "atrium_request_duration_seconds_sum{route=\"httproute/default/foo/rule/0\"}",
        "atrium_request_duration_seconds_count{route=\"httproute/default/foo/rule/0\"} 2",
        "atrium_translate_duration_seconds_bucket{le=\"+Inf\"} 1",
        "atrium_compile_duration_seconds_count 1", "atrium_config_propagation_seconds_sum "}) {
    EXPECT_THAT(text, HasSubstr(histogram));
  }
}

TEST(RenderMetricsTest, TheRegistryGenerationWinsAndNoNameRepeats) {
  table::TablePublisher publisher;
  publisher.Publish(testing::CompileOrFail(testing::SampleConfig(), 5));
  auto registry = std::make_shared<prometheus::Registry>();
  ControlPlaneMetrics control_plane(registry);
  control_plane.RecordPublish(5, std::chrono::system_clock::now());
  AdminSources sources;
  sources.publisher = &publisher;
  sources.control_plane_metrics = registry;
  std::string text = RenderMetrics(sources);
  size_t first = text.find("# TYPE atrium_route_table_generation gauge");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(text.find("# TYPE atrium_route_table_generation gauge", first + 1), std::string::npos);
  EXPECT_THAT(text, HasSubstr("atrium_route_table_generation 5\n"));
}

// RenderMetrics serializes the per-route families a batch of samples at a
// time; with more routes than one batch holds (and more than one scrape, so
// the second is written into a buffer sized from the first) the document is
// still exactly what TextSerializer makes of the whole families.
TEST(RenderMetricsTest, ManyRoutesRenderLikeOneSerializerPass) {
  stats::StatsRegistry stats(2);
  for (int i = 0; i < 1000; ++i) {
    const std::string route = "ns/route-" + std::to_string(i);
    stats.worker(i % 2).RecordRequest(route, "ns/svc:80", 200 + (i % 3) * 100, 0.001 * i);
    if (i % 7 == 0) stats.worker(1 - i % 2).RecordRequest(route, "ns/svc:80", 503, 3);
  }
  auto registry = std::make_shared<prometheus::Registry>();
  ControlPlaneMetrics control_plane(registry);
  control_plane.ObserveTranslate(std::chrono::milliseconds(3));
  AdminSources sources;
  sources.stats = &stats;
  sources.control_plane_metrics = registry;

  std::vector<prometheus::MetricFamily> families = registry->Collect();
  for (prometheus::MetricFamily& family : DataPlaneFamilies(stats.Sum())) {
    families.push_back(std::move(family));
  }
  const std::string expected = prometheus::TextSerializer().Serialize(families);
  EXPECT_EQ(RenderMetrics(sources), expected);
  EXPECT_EQ(RenderMetrics(sources), expected);
}

TEST(RenderMetricsTest, EmptySourcesRenderAnEmptyDocument) {
  EXPECT_EQ(RenderMetrics(AdminSources{}), "");
}

// promtool (Debian package "prometheus") is the reference checker of the
// text format and its naming lint.
TEST(RenderMetricsTest, PromtoolAcceptsTheDocument) {
  const char* candidates[] = {"/usr/bin/promtool", "/usr/local/bin/promtool"};
  std::string promtool;
  for (const char* candidate : candidates) {
    if (std::filesystem::exists(candidate)) promtool = candidate;
  }
  if (promtool.empty()) GTEST_SKIP() << "promtool not installed (apt-get install prometheus)";

  table::TablePublisher publisher;
  stats::StatsRegistry stats(2);
  std::string text = RenderAll(publisher, stats, /*process=*/true);
  ASSERT_THAT(text, HasSubstr("process_resident_memory_bytes "));
  std::filesystem::path input = std::filesystem::path(::testing::TempDir()) /
                                ("atrium_metrics_" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(input);
    out << text;
  }
  std::string command = promtool + " check metrics < " + input.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  int status = ::pclose(pipe);
  std::filesystem::remove(input);
  EXPECT_EQ(status, 0) << output << "\n--- document ---\n" << text;
  EXPECT_EQ(output, "") << text;
}

// Label values come from configuration only. However many distinct paths
// clients send, the series count stays that of the configuration, and no
// path appears in /metrics or /admin/stats.
TEST(CardinalityTest, RequestPathsNeverBecomeLabels) {
  table::RcuThreadRegistration::EnsureRegistered();
  table::TablePublisher publisher;
  publisher.Publish(testing::CompileOrFail(testing::SampleConfig(), 1));
  stats::StatsRegistry stats(1);
  AdminSources sources;
  sources.publisher = &publisher;
  sources.stats = &stats;

  // Counts the proxy's way: the label is the matched route's name.
  auto serve = [&](const std::string& host, const std::string& path, int status) {
    table::RequestView request;
    request.bind_port = 8080;
    request.host = host;
    request.path = path;
    request.method = "GET";
    table::LookupResult result = publisher.Lookup(request);
    std::string route = result.action ? result.action->name() : "";
    std::string backend =
        result.action && !result.action->backends.empty() ? result.action->backends[0].name() : "";
    stats.worker(0).RecordRequest(route, backend, result.status != 0 ? result.status : status,
                                  0.001);
  };
  auto series = [](const std::string& text) {
    int count = 0;
    for (const std::string& line : Lines(text)) {
      if (line.rfind("atrium_requests_total{", 0) == 0) ++count;
    }
    return count;
  };

  for (int i = 0; i < 10; ++i) serve("foo.example.com", "/unique-path-" + std::to_string(i), 200);
  int series_after_ten = series(RenderMetrics(sources));
  for (int i = 10; i < 2000; ++i) {
    serve(i % 2 ? "foo.example.com" : "other-" + std::to_string(i) + ".example.org",
          "/unique-path-" + std::to_string(i) + "?q=" + std::to_string(i), i % 3 ? 200 : 500);
  }
  std::string metrics = RenderMetrics(sources);
  std::string admin_stats = StatsJson(&publisher, &stats).dump();

  EXPECT_EQ(series_after_ten, 1);
  // foo and the catch-all route, each with 2xx and 5xx: 4 series for 2000 paths.
  EXPECT_EQ(series(metrics), 4);
  EXPECT_THAT(metrics, HasSubstr(std::string("route=\"") + kBarRoute + "\""));
  for (const std::string& text : {metrics, admin_stats}) {
    EXPECT_THAT(text, Not(HasSubstr("unique-path")));
    EXPECT_THAT(text, Not(HasSubstr("example.org")));
    EXPECT_THAT(text, Not(HasSubstr("q=")));
  }
}

}  // namespace
}  // namespace atrium::admin
