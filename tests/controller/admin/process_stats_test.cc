#include "controller/admin/process_stats.h"

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/admin/metrics_text.h"

namespace atrium::admin {
namespace {

using ::testing::HasSubstr;

// A /proc/<pid>/stat line whose command name holds a space and parentheses.
constexpr std::string_view kStat =
    "4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 35 0 0 20 0 12 0 "
    "987654 734003200 5120 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStatsTest, ParsesProcStatWhateverTheCommandName) {
  const std::optional<ProcStat> stat = ParseProcStat(kStat);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->user_ticks, 150u);
  EXPECT_EQ(stat->system_ticks, 35u);
  EXPECT_EQ(stat->start_ticks, 987654u);
  EXPECT_EQ(stat->virtual_bytes, 734003200u);
  EXPECT_EQ(stat->resident_pages, 5120u);
}

TEST(ProcessStatsTest, RejectsWhatIsNotProcStat) {
  EXPECT_FALSE(ParseProcStat("").has_value());
  EXPECT_FALSE(ParseProcStat("4242 no parentheses 1 2 3").has_value());
  EXPECT_FALSE(ParseProcStat("4242 (short) S 1 2 3\n").has_value());
  std::string garbled(kStat);
  garbled.replace(garbled.find(" 150 "), 5, " x50 ");
  EXPECT_FALSE(ParseProcStat(garbled).has_value());
}

TEST(ProcessStatsTest, ParsesBootTime) {
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1764660000\nprocesses 9\n"), 1764660000u);
  EXPECT_FALSE(ParseBootTime("cpu  1 2 3\n").has_value());
  EXPECT_FALSE(ParseBootTime("btime soon\n").has_value());
}

uint64_t VmRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

TEST(ProcessStatsTest, ReadsThisProcess) {
  const std::optional<ProcessStats> process = ReadProcessStats();
  ASSERT_TRUE(process.has_value());
  const uint64_t rss = VmRssBytes();
  ASSERT_GT(rss, 0u);
  // Read a moment apart: the same within a few megabytes.
  EXPECT_NEAR(static_cast<double>(process->resident_bytes), static_cast<double>(rss), 8e6);
  EXPECT_GE(process->virtual_bytes, process->resident_bytes);
  EXPECT_GE(process->open_fds, 3u);  // stdin, stdout, stderr at least
  EXPECT_GE(process->max_fds, process->open_fds);
  EXPECT_GE(process->cpu_seconds, 0.0);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(process->start_time_seconds, now + 1);
  EXPECT_GT(process->start_time_seconds, now - 3600);  // this test started it
}

TEST(ProcessStatsTest, HeapStatsFollowAnAllocation) {
  const std::optional<HeapStats> before = ReadHeapStats();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  EXPECT_FALSE(before.has_value());  // the sanitizer's allocator: no number to give
#else
  ASSERT_TRUE(before.has_value());
  std::vector<char> block(32 << 20, 'x');
  const std::optional<HeapStats> during = ReadHeapStats();
  ASSERT_TRUE(during.has_value());
  EXPECT_GE(during->allocated_bytes, before->allocated_bytes + (32u << 20));
  EXPECT_GE(during->heap_bytes, during->allocated_bytes);
  EXPECT_EQ(during->allocator, before->allocator);
  EXPECT_EQ(block[12345], 'x');
#endif
}

TEST(ProcessStatsTest, FamiliesUseThePrometheusProcessNames) {
  ProcessStats process;
  process.cpu_seconds = 1.5;
  process.resident_bytes = 4096;
  std::vector<prometheus::MetricFamily> families =
      ProcessFamilies(process, HeapStats{"tcmalloc", 100, 200, {}});
  std::vector<std::string> names;
  for (const auto& family : families) names.push_back(family.name);
  EXPECT_THAT(names,
              ::testing::ElementsAre("process_cpu_seconds_total", "process_max_fds",
                                     "process_open_fds", "process_resident_memory_bytes",
                                     "process_start_time_seconds", "process_virtual_memory_bytes",
                                     "atrium_memory_allocated_bytes", "atrium_memory_heap_bytes"));
  EXPECT_EQ(families[0].type, prometheus::MetricType::Counter);
  EXPECT_EQ(families[0].metric[0].counter.value, 1.5);
  EXPECT_EQ(families[3].metric[0].gauge.value, 4096);
  EXPECT_EQ(families[6].metric[0].gauge.value, 100);
  EXPECT_EQ(families[7].metric[0].label[0].value, "tcmalloc");
  EXPECT_EQ(ProcessFamilies(process, std::nullopt).size(), 6u);  // no heap: no heap families
}

TEST(ProcessStatsTest, MetricsCarryThemOnlyWhenAsked) {
  AdminSources sources;
  EXPECT_THAT(RenderMetrics(sources), ::testing::Not(HasSubstr("process_")));
  sources.process = true;
  const std::string text = RenderMetrics(sources);
  EXPECT_THAT(text, HasSubstr("# TYPE process_resident_memory_bytes gauge\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter\n"));
}

}  // namespace
}  // namespace atrium::admin
