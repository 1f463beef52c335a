#include "base/malloc_arenas.h"

#include <dlfcn.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace atrium::base {
namespace {

constexpr int kThreads = 4;

bool MallocIsGlibcs() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;  // the sanitizer's allocator serves malloc
#else
  return dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty") == nullptr;
#endif
}

// InChild runs body in a child process (what it does to the allocator and
// the environment stays there) and returns its exit status, or -1.
int InChild(const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Arenas counts the arenas malloc_info reports.
int Arenas() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  malloc_info(0, out);
  std::fclose(out);
  int arenas = 0;
  for (std::string_view rest(text, size); rest.find("<heap nr=") != std::string_view::npos;
       rest.remove_prefix(rest.find("<heap nr=") + 1)) {
    ++arenas;
  }
  std::free(text);
  return arenas;
}

// ArenasInUse starts kThreads threads that each allocate while all are
// alive, and counts the arenas malloc_info reports then.
int ArenasInUse() {
  std::barrier sync(kThreads + 1);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&sync] {
      // Written through volatile: the compiler may not drop the allocation.
      auto* block = static_cast<volatile char*>(std::malloc(64));
      block[0] = 1;
      sync.arrive_and_wait();  // allocated
      sync.arrive_and_wait();  // counted
      std::free(const_cast<char*>(block));
    });
  }
  sync.arrive_and_wait();
  const int arenas = Arenas();
  sync.arrive_and_wait();
  for (std::thread& thread : threads) thread.join();
  return arenas;
}

TEST(MallocArenasTest, ThreadsShareTheArenasAllowed) {
  // Runs where malloc is glibc's: a build with -DATRIUM_TCMALLOC=OFF.
  if (!MallocIsGlibcs()) GTEST_SKIP() << "malloc is not glibc's";
  // Arenas outlive their threads: those earlier tests' threads made stay
  // (the children inherit them), and a cap never removes one.
  const int before = InChild(Arenas);
  ASSERT_GE(before, 1);
  ASSERT_LE(before, kThreads);
  // Uncapped, each thread gets an arena of its own (glibc allows eight per
  // core): the count tells capped from uncapped.
  EXPECT_EQ(InChild(ArenasInUse), kThreads + 1);
  EXPECT_EQ(InChild([] { return LimitMallocArenas(1) ? ArenasInUse() : 100; }), before);
  EXPECT_EQ(InChild([] { return LimitMallocArenas(2) ? ArenasInUse() : 100; }),
            std::max(before, 2));
}

// Whatever serves malloc: the environment is read first.
TEST(MallocArenasTest, TheEnvironmentsCapWins) {
  EXPECT_EQ(InChild([] {
              setenv("MALLOC_ARENA_MAX", "3", 1);
              return LimitMallocArenas(1) ? 1 : 0;
            }),
            0);
  EXPECT_EQ(InChild([] {
              setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=3", 1);
              return LimitMallocArenas(1) ? 1 : 0;
            }),
            0);
}

}  // namespace
}  // namespace atrium::base
