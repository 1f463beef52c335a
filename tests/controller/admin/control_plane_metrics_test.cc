// ControlPlaneMetrics registers every family the reconciler updates, with
// the right types, bounded labels and values after each Record* call.

#include "controller/admin/control_plane_metrics.h"

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

namespace atrium::admin {
namespace {

const prometheus::MetricFamily* Find(const std::vector<prometheus::MetricFamily>& families,
                                     std::string_view name) {
  for (const auto& family : families) {
    if (family.name == name) return &family;
  }
  ADD_FAILURE() << "no family " << name;
  return nullptr;
}

TEST(ControlPlaneMetricsTest, RegistersEveryFamilyWithItsType) {
  auto registry = std::make_shared<prometheus::Registry>();
  ControlPlaneMetrics metrics(registry);
  EXPECT_EQ(metrics.registry(), registry);
  std::vector<prometheus::MetricFamily> families = registry->Collect();
  EXPECT_EQ(families.size(), 9u);
  struct Expected {
    std::string_view name;
    prometheus::MetricType type;
  };
  for (const Expected& expected : {
           Expected{kRouteTableGenerationMetric, prometheus::MetricType::Gauge},
           Expected{kLastPublishTimestampMetric, prometheus::MetricType::Gauge},
           Expected{kPublishesMetric, prometheus::MetricType::Counter},
           Expected{kSkippedPublishesMetric, prometheus::MetricType::Counter},
           Expected{kTranslateDurationMetric, prometheus::MetricType::Histogram},
           Expected{kCompileDurationMetric, prometheus::MetricType::Histogram},
           Expected{kPropagationMetric, prometheus::MetricType::Histogram},
           Expected{kConfigErrorsMetric, prometheus::MetricType::Counter},
           Expected{kStatusWritesMetric, prometheus::MetricType::Counter},
       }) {
    const prometheus::MetricFamily* family = Find(families, expected.name);
    if (family == nullptr) continue;
    EXPECT_EQ(family->type, expected.type) << expected.name;
    EXPECT_FALSE(family->help.empty()) << expected.name;
    EXPECT_FALSE(family->metric.empty()) << expected.name;
  }
}

TEST(ControlPlaneMetricsTest, ConfigErrorsHaveOneSeriesPerKindFromTheStart) {
  auto registry = std::make_shared<prometheus::Registry>();
  ControlPlaneMetrics metrics(registry);
  metrics.RecordConfigErrors(ConfigErrorKind::kObject, 4);
  metrics.RecordConfigErrors(ConfigErrorKind::kCompile);
  metrics.RecordConfigErrors(ConfigErrorKind::kCount);  // out of range: ignored
  std::vector<prometheus::MetricFamily> families = registry->Collect();
  const prometheus::MetricFamily* errors = Find(families, kConfigErrorsMetric);
  ASSERT_NE(errors, nullptr);
  ASSERT_EQ(errors->metric.size(), static_cast<size_t>(ConfigErrorKind::kCount));
  std::map<std::string, double> by_kind;
  for (const auto& metric : errors->metric) {
    ASSERT_EQ(metric.label.size(), 1u);
    EXPECT_EQ(metric.label[0].name, "kind");
    by_kind[metric.label[0].value] = metric.counter.value;
  }
  EXPECT_EQ(by_kind, (std::map<std::string, double>{
                         {"manifest", 0}, {"object", 4}, {"validate", 0}, {"compile", 1}}));
}

TEST(ControlPlaneMetricsTest, RecordsPublishesDurationsAndStatusWrites) {
  auto registry = std::make_shared<prometheus::Registry>();
  ControlPlaneMetrics metrics(registry);
  metrics.RecordPublish(12, std::chrono::system_clock::time_point(std::chrono::milliseconds(1500)));
  metrics.RecordPublish(13,
                        std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  metrics.RecordSkippedPublish();
  metrics.ObserveTranslate(std::chrono::milliseconds(2));
  metrics.ObserveCompile(std::chrono::microseconds(300));
  metrics.ObserveCompile(std::chrono::seconds(7));
  metrics.ObservePropagation(std::chrono::milliseconds(25));
  metrics.RecordStatusWrite();
  metrics.RecordStatusWrite();

  std::vector<prometheus::MetricFamily> families = registry->Collect();
  EXPECT_EQ(Find(families, kRouteTableGenerationMetric)->metric[0].gauge.value, 13);
  EXPECT_EQ(Find(families, kLastPublishTimestampMetric)->metric[0].gauge.value, 1700000000);
  EXPECT_EQ(Find(families, kPublishesMetric)->metric[0].counter.value, 2);
  EXPECT_EQ(Find(families, kSkippedPublishesMetric)->metric[0].counter.value, 1);
  EXPECT_EQ(Find(families, kStatusWritesMetric)->metric[0].counter.value, 2);
  const auto& translate = Find(families, kTranslateDurationMetric)->metric[0].histogram;
  EXPECT_EQ(translate.sample_count, 1u);
  EXPECT_DOUBLE_EQ(translate.sample_sum, 0.002);
  const auto& compile = Find(families, kCompileDurationMetric)->metric[0].histogram;
  EXPECT_EQ(compile.sample_count, 2u);
  // 7 s is above the largest finite bound (5 s): only +Inf counts it.
  ASSERT_GE(compile.bucket.size(), 2u);
  EXPECT_EQ(compile.bucket[compile.bucket.size() - 2].cumulative_count, 1u);
  EXPECT_EQ(compile.bucket.back().cumulative_count, 2u);
  EXPECT_EQ(Find(families, kPropagationMetric)->metric[0].histogram.sample_count, 1u);
}

TEST(ControlPlaneMetricsTest, TwoInstancesOnOneRegistryShareTheSeries) {
  auto registry = std::make_shared<prometheus::Registry>();
  ControlPlaneMetrics first(registry);
  ControlPlaneMetrics second(registry);
  first.RecordStatusWrite();
  second.RecordStatusWrite();
  std::vector<prometheus::MetricFamily> families = registry->Collect();
  EXPECT_EQ(families.size(), 9u);
  EXPECT_EQ(Find(families, kStatusWritesMetric)->metric[0].counter.value, 2);
}

TEST(ControlPlaneMetricsTest, ConfigErrorKindNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int i = 0; i < static_cast<int>(ConfigErrorKind::kCount); ++i) {
    names.insert(ConfigErrorKindName(static_cast<ConfigErrorKind>(i)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(ConfigErrorKind::kCount));
  EXPECT_EQ(names.count("unknown"), 0u);
}

}  // namespace
}  // namespace atrium::admin
