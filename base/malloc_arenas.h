#pragma once

// LimitMallocArenas caps how many arenas glibc's malloc keeps (its default
// is eight per core). Each thread allocates from one arena, made for it at
// its first allocation until the cap is reached; every arena keeps its own
// free memory, which no other arena reuses. Atrium runs twenty-odd threads
// (informers, reconciler, status writer, admin, proxy workers): one arena
// each spreads the control plane's records and their free space over as
// many heaps. Call it once in main, before the threads start.
//
// Returns whether the cap was set: not when the environment sets its own
// (MALLOC_ARENA_MAX, or glibc.malloc.arena_max in GLIBC_TUNABLES), which
// wins, nor when malloc is not glibc's (a build linked with tcmalloc).

#include <cstddef>

namespace atrium::base {

bool LimitMallocArenas(std::size_t arenas);

}  // namespace atrium::base
