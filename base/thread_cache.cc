#include "base/thread_cache.h"

#include <dlfcn.h>

namespace atrium::base {
namespace {

using MarkThreadIdle = void (*)();

// Looked up at run time: the libraries are linked without tcmalloc, the
// atrium binary with it.
MarkThreadIdle FindMarkThreadIdle() {
  return reinterpret_cast<MarkThreadIdle>(dlsym(RTLD_DEFAULT, "MallocExtension_MarkThreadIdle"));
}

}  // namespace

void ReleaseThreadCache() {
  static const MarkThreadIdle mark_idle = FindMarkThreadIdle();
  if (mark_idle != nullptr) mark_idle();
}

}  // namespace atrium::base
