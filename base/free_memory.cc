#include "base/free_memory.h"

#include <dlfcn.h>
#include <malloc.h>

namespace atrium::base {
namespace {

using ReleaseAll = void (*)();

// Looked up at run time: the libraries are linked without tcmalloc, the
// atrium binary with it when built with -DATRIUM_TCMALLOC=ON.
ReleaseAll FindTcmallocRelease() {
  return reinterpret_cast<ReleaseAll>(dlsym(RTLD_DEFAULT, "MallocExtension_ReleaseFreeMemory"));
}

}  // namespace

void ReleaseFreeMemory() {
  static const ReleaseAll tcmalloc_release = FindTcmallocRelease();
  if (tcmalloc_release != nullptr) {
    tcmalloc_release();
  } else {
    malloc_trim(0);
  }
}

}  // namespace atrium::base
