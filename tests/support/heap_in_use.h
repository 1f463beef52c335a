#pragma once

// HeapInUse is the bytes the program has allocated and not freed: the
// sanitizer's allocator counts what was asked for, glibc's what it handed
// out (rounded up to its chunk sizes). For tests that budget what a
// structure costs; they must not link tcmalloc (mallinfo2 is glibc's).

#include <malloc.h>

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// From the sanitizer runtime (GCC ships no header for it).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace atrium::testing {

inline size_t HeapInUse() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

}  // namespace atrium::testing
