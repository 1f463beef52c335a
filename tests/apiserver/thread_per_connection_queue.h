#pragma once

// ThreadPerConnectionQueue is the httplib TaskQueue of the test API server:
// one thread per connection, however many. httplib's default pool has a
// fixed size, and every open WATCH holds a connection (and so a thread) for
// minutes; a few Atrium replicas with a dozen informers each would exhaust
// the pool and stall every other request. This is test infrastructure, where
// a thread per connection is the simple, predictable choice.
//
// Threading: enqueue is called by httplib's accept thread; shutdown waits for
// every task to finish and joins its thread.

#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

#include <httplib.h>

namespace atrium::testing {

class ThreadPerConnectionQueue : public httplib::TaskQueue {
 public:
  ~ThreadPerConnectionQueue() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard lock(mutex_);
    ReapLocked();
    auto it = threads_.emplace(threads_.end());
    *it = std::thread([this, it, fn = std::move(fn)] {
      fn();
      std::lock_guard done_lock(mutex_);
      finished_.push_back(it);
      done_.notify_all();
    });
  }

  void shutdown() override {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return finished_.size() == threads_.size(); });
    ReapLocked();
  }

 private:
  // ReapLocked joins the threads whose task has finished.
  void ReapLocked() {
    for (auto it : finished_) {
      if (it->joinable()) it->join();
      threads_.erase(it);
    }
    finished_.clear();
  }

  std::mutex mutex_;
  std::condition_variable done_;
  std::list<std::thread> threads_;
  std::list<std::list<std::thread>::iterator> finished_;
};

}  // namespace atrium::testing
