#include "base/thread_cache.h"

#include <dlfcn.h>

#include <cstdlib>

namespace atrium::base {
namespace {

using MarkThreadIdle = void (*)();
using SetNumericProperty = int (*)(const char*, std::size_t);

// Looked up at run time: the libraries are linked without tcmalloc, the
// atrium binary with it when built with -DATRIUM_TCMALLOC=ON.
MarkThreadIdle FindMarkThreadIdle() {
  return reinterpret_cast<MarkThreadIdle>(dlsym(RTLD_DEFAULT, "MallocExtension_MarkThreadIdle"));
}

}  // namespace

void LimitThreadCaches(std::size_t total_bytes) {
  if (std::getenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES") != nullptr) return;
  auto set_property = reinterpret_cast<SetNumericProperty>(
      dlsym(RTLD_DEFAULT, "MallocExtension_SetNumericProperty"));
  if (set_property != nullptr) set_property("tcmalloc.max_total_thread_cache_bytes", total_bytes);
}

void ReleaseThreadCache() {
  static const MarkThreadIdle mark_idle = FindMarkThreadIdle();
  if (mark_idle != nullptr) mark_idle();
}

}  // namespace atrium::base
