#pragma once

// DemoteToSharedCache asks the CPU to move the cache lines of
// [data, data + bytes) out of this core's private caches into the cache all
// cores share (x86 CLDEMOTE). The writer compiles a table into its own
// caches; without this, the first lookup on another core fetches each line
// it needs from the writer's core, one snoop after the other, and these
// first lookups after every publish are the slowest percent of all lookups.
//
// A hint only: it changes no memory. CPUs without CLDEMOTE execute it as a
// NOP, and other architectures compile it to nothing.

#include <cstddef>
#include <cstdint>

namespace atrium::table {

inline void DemoteToSharedCache(const void* data, size_t bytes) {
#if defined(__x86_64__) && defined(__GNUC__)
  constexpr uintptr_t kLine = 64;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data) & ~(kLine - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(data) + bytes;
  for (uintptr_t line = begin; line < end; line += kLine) {
    asm volatile("cldemote (%0)" : : "r"(line));
  }
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace atrium::table
