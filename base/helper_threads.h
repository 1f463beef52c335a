#pragma once

// HelperThreads runs one job on the calling thread and on up to `capacity`
// helper threads at once, and returns when every call has returned: the
// fan-out of a burst of blocking requests (a status write per route).
//
// The helpers are started the first time they are needed and then wait for
// the next job, instead of being started and joined for each burst: a burst
// can come every few hundred milliseconds for as long as routes keep
// changing, and each thread started costs a clone, a stack, and an allocator
// cache built up and torn down.
//
// Threading: Run is called by one thread at a time (the owner's); the job
// must be safe to call on several threads at once. Helpers that have not
// taken the job by the time the caller's own call returns are not waited
// for: the caller's call doing all the work means there was none left.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace atrium::base {

class HelperThreads {
 public:
  explicit HelperThreads(std::size_t capacity) : capacity_(capacity) {}
  ~HelperThreads() { Stop(); }
  HelperThreads(const HelperThreads&) = delete;
  HelperThreads& operator=(const HelperThreads&) = delete;

  // Run calls job here and on up to `helpers` helpers (at most capacity).
  void Run(std::size_t helpers, const std::function<void()>& job);

  // Stop ends and joins the helpers; a later Run starts them again. No Run
  // may be in progress.
  void Stop();

  // started is how many helper threads exist (tests).
  std::size_t started() const;

 private:
  void Loop();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;  // a job was offered, or stopping
  std::condition_variable done_;  // a helper finished its call
  const std::function<void()>* job_ = nullptr;
  std::size_t offered_ = 0;  // helpers that may still take job_
  std::size_t running_ = 0;  // helpers inside job_
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace atrium::base
