#include "base/helper_threads.h"

#include <algorithm>

namespace atrium::base {

void HelperThreads::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& thread : threads) thread.join();
  std::lock_guard lock(mutex_);
  stopping_ = false;
}

void HelperThreads::Run(std::size_t helpers, const std::function<void()>& job) {
  helpers = std::min(helpers, capacity_);
  {
    std::lock_guard lock(mutex_);
    while (threads_.size() < helpers) threads_.emplace_back([this] { Loop(); });
    job_ = &job;
    offered_ = helpers;
  }
  if (helpers > 0) wake_.notify_all();
  job();
  std::unique_lock lock(mutex_);
  offered_ = 0;  // a helper not in it yet would find nothing left to do
  done_.wait(lock, [this] { return running_ == 0; });
  job_ = nullptr;
}

std::size_t HelperThreads::started() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

void HelperThreads::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || offered_ > 0; });
    if (stopping_) return;
    --offered_;
    ++running_;
    const std::function<void()>& job = *job_;
    lock.unlock();
    job();
    lock.lock();
    --running_;
    if (running_ == 0) done_.notify_all();
  }
}

}  // namespace atrium::base
