#include "base/malloc_arenas.h"

#include <dlfcn.h>
#include <malloc.h>

#include <cstdlib>
#include <string_view>

namespace atrium::base {

bool LimitMallocArenas(std::size_t arenas) {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return false;
  if (const char* tunables = std::getenv("GLIBC_TUNABLES");
      tunables != nullptr &&
      std::string_view(tunables).find("glibc.malloc.arena_max") != std::string_view::npos) {
    return false;
  }
  // tcmalloc replaces malloc but not mallopt: glibc's would accept the cap
  // and change nothing.
  if (dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty") != nullptr) return false;
  return mallopt(M_ARENA_MAX, static_cast<int>(arenas > 0 ? arenas : 1)) == 1;
}

}  // namespace atrium::base
