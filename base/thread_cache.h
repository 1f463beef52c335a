#pragma once

// ReleaseThreadCache hands the memory the calling thread's allocator cache
// holds back to the allocator's shared pool, where any thread can reuse it.
//
// tcmalloc keeps freed memory in a cache per thread, up to megabytes each. A
// thread that works in rare bursts (an admin thread rendering /metrics for
// thousands of routes) would otherwise keep that memory parked until its
// next burst, while the threads that need memory in between take more from
// the system. Call it where a thread goes idle after such a burst, never on
// a hot path. Without tcmalloc (glibc, sanitizers) it does nothing.

#include <cstddef>

namespace atrium::base {

void ReleaseThreadCache();

// LimitThreadCaches caps what all threads' caches together may hold (tcmalloc
// allows 32 MB by default). Call it once, before the threads start. The
// environment's TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES, when set, wins.
void LimitThreadCaches(std::size_t total_bytes);

}  // namespace atrium::base
