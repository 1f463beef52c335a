#pragma once

// ProcessStats are the process's own resource figures, exported on /metrics
// under the names every Prometheus client library uses for them
// (process_resident_memory_bytes, process_cpu_seconds_total, ...), and the
// heap as the allocator sees it (atrium_memory_allocated_bytes: in use by
// Atrium; atrium_memory_heap_bytes: held from the OS, free or not), the
// figures Envoy exports as server.memory_allocated and memory_heap_size.
//
// The parsers take /proc text and do no I/O, so they are tested with data;
// ReadProcessStats and ReadHeapStats read the running process.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

namespace atrium::admin {

// ProcStat is what /proc/self/stat says, in the kernel's units.
struct ProcStat {
  uint64_t user_ticks = 0;      // utime, clock ticks
  uint64_t system_ticks = 0;    // stime, clock ticks
  uint64_t start_ticks = 0;     // starttime, clock ticks after boot
  uint64_t virtual_bytes = 0;   // vsize
  uint64_t resident_pages = 0;  // rss
};

// ParseProcStat reads /proc/<pid>/stat; nullopt when it is not that format.
// The command name, in parentheses, may itself hold spaces and parentheses.
std::optional<ProcStat> ParseProcStat(std::string_view text);

// ParseBootTime reads the "btime" line of /proc/stat (seconds since the epoch).
std::optional<uint64_t> ParseBootTime(std::string_view text);

struct ProcessStats {
  double cpu_seconds = 0;
  double start_time_seconds = 0;  // since the epoch
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  uint64_t open_fds = 0;
  uint64_t max_fds = 0;
};

// ReadProcessStats reads them for this process; nullopt without /proc.
std::optional<ProcessStats> ReadProcessStats();

struct HeapStats {
  std::string allocator;         // "tcmalloc" or "glibc"
  uint64_t allocated_bytes = 0;  // handed to the program and not freed
  uint64_t heap_bytes = 0;       // mapped from the OS for the heap, free or in use
  // Where the free part is, as the allocator names it (tcmalloc: page heap,
  // central, transfer and thread caches; glibc: free in arenas, top pad):
  // for /admin/stats, to tell fragmentation from caching.
  std::vector<std::pair<std::string, uint64_t>> free_bytes;
};

// ReadHeapStats asks the allocator the process runs on. nullopt under a
// sanitizer, whose allocator answers neither tcmalloc's nor glibc's
// questions (their numbers would describe a heap nobody uses).
std::optional<HeapStats> ReadHeapStats();

// ProcessFamilies are the process_* and atrium_memory_* families.
std::vector<prometheus::MetricFamily> ProcessFamilies(const ProcessStats& process,
                                                      const std::optional<HeapStats>& heap);

}  // namespace atrium::admin
