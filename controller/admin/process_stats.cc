#include "controller/admin/process_stats.h"

#include <dirent.h>
#include <dlfcn.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

#include "controller/admin/metrics_text.h"

namespace atrium::admin {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

std::optional<uint64_t> ToNumber(std::string_view field) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (error != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return value;
}

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

uint64_t CountOpenFds() {
  DIR* directory = opendir("/proc/self/fd");
  if (directory == nullptr) return 0;
  uint64_t count = 0;
  while (const dirent* entry = readdir(directory)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(directory);
  return count > 0 ? count - 1 : 0;  // not the descriptor reading the folder
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  // "pid (comm) state ppid ..." : the fields after comm are numbered from 3.
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::vector<std::string_view> fields;
  size_t at = close + 1;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\n')) ++at;
    const size_t end = text.find_first_of(" \n", at);
    if (at < text.size()) fields.push_back(text.substr(at, end - at));
    at = end == std::string_view::npos ? text.size() : end;
  }
  // fields[0] is field 3 (state): field n is fields[n - 3].
  auto field = [&fields](size_t n) -> std::optional<uint64_t> {
    return n - 3 < fields.size() ? ToNumber(fields[n - 3]) : std::nullopt;
  };
  std::optional<uint64_t> utime = field(14);
  std::optional<uint64_t> stime = field(15);
  std::optional<uint64_t> starttime = field(22);
  std::optional<uint64_t> vsize = field(23);
  std::optional<uint64_t> rss = field(24);
  if (!utime || !stime || !starttime || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *starttime, *vsize, *rss};
}

std::optional<uint64_t> ParseBootTime(std::string_view text) {
  constexpr std::string_view kKey = "btime ";
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    if (line.starts_with(kKey)) return ToNumber(line.substr(kKey.size()));
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<ProcessStats> ReadProcessStats() {
  const std::optional<std::string> stat_text = ReadFile("/proc/self/stat");
  if (!stat_text) return std::nullopt;
  const std::optional<ProcStat> stat = ParseProcStat(*stat_text);
  if (!stat) return std::nullopt;
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  ProcessStats process;
  process.cpu_seconds = static_cast<double>(stat->user_ticks + stat->system_ticks) / ticks;
  process.resident_bytes = stat->resident_pages * page;
  process.virtual_bytes = stat->virtual_bytes;
  if (const std::optional<std::string> system = ReadFile("/proc/stat")) {
    if (const std::optional<uint64_t> boot = ParseBootTime(*system)) {
      process.start_time_seconds =
          static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / ticks;
    }
  }
  process.open_fds = CountOpenFds();
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) process.max_fds = limit.rlim_cur;
  return process;
}

std::optional<HeapStats> ReadHeapStats() {
  if (kSanitized) return std::nullopt;
  // tcmalloc, when the binary runs on it (looked up at run time: the
  // libraries are linked without it, the atrium binary with it).
  using GetProperty = int (*)(const char*, size_t*);
  if (auto get = reinterpret_cast<GetProperty>(
          dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty"))) {
    size_t allocated = 0;
    size_t heap = 0;
    size_t unmapped = 0;
    if (get("generic.current_allocated_bytes", &allocated) != 0 &&
        get("generic.heap_size", &heap) != 0 &&
        get("tcmalloc.pageheap_unmapped_bytes", &unmapped) != 0) {
      HeapStats stats{"tcmalloc", allocated, heap - std::min(heap, unmapped), {}};
      for (const char* cache :
           {"pageheap_free", "central_cache_free", "transfer_cache_free", "thread_cache_free"}) {
        size_t bytes = 0;
        const std::string property = std::string("tcmalloc.") + cache + "_bytes";
        if (get(property.c_str(), &bytes) != 0) stats.free_bytes.emplace_back(cache, bytes);
      }
      return stats;
    }
  }
  const struct mallinfo2 info = mallinfo2();
  return HeapStats{"glibc",
                   info.uordblks + info.hblkhd,
                   info.arena + info.hblkhd,
                   {{"arena_free", info.fordblks}, {"top_releasable", info.keepcost}}};
}

std::vector<MetricFamily> ProcessFamilies(const ProcessStats& process,
                                          const std::optional<HeapStats>& heap) {
  std::vector<MetricFamily> families;
  families.push_back(SingleValueFamily("process_cpu_seconds_total",
                                       "Total user and system CPU time spent in seconds.",
                                       MetricType::Counter, process.cpu_seconds));
  families.push_back(SingleValueFamily("process_max_fds",
                                       "Maximum number of open file descriptors.",
                                       MetricType::Gauge, static_cast<double>(process.max_fds)));
  families.push_back(SingleValueFamily("process_open_fds", "Number of open file descriptors.",
                                       MetricType::Gauge, static_cast<double>(process.open_fds)));
  families.push_back(SingleValueFamily("process_resident_memory_bytes",
                                       "Resident memory size in bytes.", MetricType::Gauge,
                                       static_cast<double>(process.resident_bytes)));
  families.push_back(SingleValueFamily("process_start_time_seconds",
                                       "Start time of the process since unix epoch in seconds.",
                                       MetricType::Gauge, process.start_time_seconds));
  families.push_back(SingleValueFamily("process_virtual_memory_bytes",
                                       "Virtual memory size in bytes.", MetricType::Gauge,
                                       static_cast<double>(process.virtual_bytes)));
  if (heap) {
    MetricFamily allocated = SingleValueFamily(
        "atrium_memory_allocated_bytes",
        "Heap memory in use by Atrium (allocated and not freed), as its allocator counts it.",
        MetricType::Gauge, static_cast<double>(heap->allocated_bytes));
    MetricFamily held =
        SingleValueFamily("atrium_memory_heap_bytes",
                          "Heap memory the allocator holds from the OS, in use or free for reuse.",
                          MetricType::Gauge, static_cast<double>(heap->heap_bytes));
    allocated.metric.front().label = {{"allocator", heap->allocator}};
    held.metric.front().label = {{"allocator", heap->allocator}};
    families.push_back(std::move(allocated));
    families.push_back(std::move(held));
  }
  return families;
}

}  // namespace atrium::admin
