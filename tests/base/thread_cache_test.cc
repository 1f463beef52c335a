#include "base/thread_cache.h"

#include <dlfcn.h>

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace atrium::base {
namespace {

using GetProperty = int (*)(const char*, size_t*);

size_t ThreadCacheFreeBytes(GetProperty get) {
  size_t bytes = 0;
  EXPECT_NE(get("tcmalloc.thread_cache_free_bytes", &bytes), 0);
  return bytes;
}

// Under tcmalloc (this test links it wherever it is installed), a thread that freed
// many blocks holds them in its cache until ReleaseThreadCache gives them
// back. Without tcmalloc (sanitizer builds) there is no cache to read, and
// releasing must be a harmless no-op.
TEST(ThreadCacheTest, ReleaseGivesBackWhatTheThreadFreed) {
  auto get =
      reinterpret_cast<GetProperty>(dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty"));
  std::thread worker([get] {
    std::vector<std::unique_ptr<char[]>> blocks;
    blocks.reserve(20000);
    for (int i = 0; i < 20000; ++i) blocks.push_back(std::make_unique<char[]>(64));
    blocks.clear();
    const size_t before = get != nullptr ? ThreadCacheFreeBytes(get) : 0;
    ReleaseThreadCache();
    if (get == nullptr) {
      EXPECT_NE(std::make_unique<char[]>(64), nullptr);  // the heap still works
      return;
    }
    const size_t after = ThreadCacheFreeBytes(get);
    constexpr size_t kCached = size_t{64} * 1024;
    EXPECT_GT(before, kCached);  // the freed blocks were cached
    EXPECT_LT(after + kCached, before);
  });
  worker.join();
}

}  // namespace
}  // namespace atrium::base
