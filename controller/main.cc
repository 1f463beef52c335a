// main parses flags and runs an Application until SIGTERM or SIGINT. It is
// the only code no test links: everything it calls is tested elsewhere.

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/malloc_arenas.h"
#include "base/thread_cache.h"
#include "controller/core/application.h"
#include "controller/core/flags.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  atrium::core::ParsedFlags parsed = atrium::core::ParseFlags(args);
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "atrium: %s\n(see atrium --help)\n", parsed.error.c_str());
    return 2;
  }
  if (parsed.help) {
    std::fputs(atrium::core::HelpText().c_str(), stdout);
    return 0;
  }
  if (parsed.version) {
    std::puts("atrium " ATRIUM_VERSION);
    return 0;
  }

  // glibc's malloc (the default build): one arena per proxy worker, not
  // eight per core. The control plane's threads share them, so
  // its records and their free space sit in a few heaps, not in one per
  // thread (cluster_scale_bench, one worker: peak RSS 50.5 MB with glibc's
  // default, 42.8-43.6 with one arena). Does nothing under tcmalloc.
  atrium::base::LimitMallocArenas(atrium::core::WorkerCount(parsed.config));
  // A build on tcmalloc (-DATRIUM_TCMALLOC=ON): 2 MB for all threads' caches together,
  // not tcmalloc's 32. The proxy's per-request allocations cycle through a
  // few kilobytes per worker (bench/load.sh: requests/s unchanged), while a
  // reconcile pass over thousands of routes would otherwise leave megabytes
  // parked in the reconciler's cache (cluster_scale_bench: peak RSS 2 MB
  // lower).
  atrium::base::LimitThreadCaches(2 << 20);

  // Block the stop signals in every thread (threads inherit the mask) and
  // wait for them here, so no worker is interrupted by a handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  atrium::core::Application app(parsed.config);
  if (std::string error = app.Start(); !error.empty()) {
    atrium::log::Error("atrium", "cannot start", {{"reason", error}});
    return 1;
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  atrium::log::Info("atrium", "stopping: draining in-flight requests",
                    {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  app.Shutdown();
  atrium::log::Info("atrium", "stopped");
  return 0;
}
