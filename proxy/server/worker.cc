#include "proxy/server/worker.h"

#include <algorithm>
#include <exception>

#include <boost/asio/post.hpp>

#include "base/log.h"
#include "proxy/server/http_session.h"

namespace atrium::server {
namespace {

constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);

void IgnoreResult(const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log::Error("proxy", "worker task ended by an exception", {{"error", e.what()}});
  } catch (...) {
    log::Error("proxy", "worker task ended by an unknown exception");
  }
}

// Errors that mean "out of a resource for now": retrying at once would spin.
bool IsResourceExhaustion(const ErrorCode& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory || ec.value() == ENFILE;
}

}  // namespace

Worker::Worker(size_t index, const ProxyOptions& options, table::TablePublisher& publisher,
               stats::WorkerStats& stats, tls::ServerContext* tls_context)
    : index_(index),
      options_(options),
      publisher_(publisher),
      stats_(stats),
      tls_context_(tls_context) {
  // One thread runs this io_context and every socket operation happens on
  // it, so the reactor need not lock per operation. The scheduler and
  // descriptor registration keep their locks: other threads post to the
  // worker and create its acceptors (ProxyServer::SyncListeners).
  io_context_.emplace(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  work_.emplace(io_context_->get_executor());
  upstreams_.emplace(io_context_->get_executor(), options_);
}

Worker::~Worker() {
  Stop();
  // Destroy I/O objects that belong to the io_context while it is alive,
  // then the io_context itself, which destroys every suspended connection
  // (their destructors touch upstreams_ and sessions_, still alive here).
  upstreams_->CloseAll();
  listeners_.clear();
  io_context_.reset();
  upstreams_.reset();
}

void Worker::Start() {
  if (thread_.joinable()) return;
  asio::co_spawn(io_context_->get_executor(), MaintenanceLoop(this), IgnoreResult);
  thread_ = std::thread([this] { Run(); });
}

void Worker::Run() {
  table::RcuThreadRegistration registration;
  io_context_->run();
}

void Worker::Stop() {
  work_.reset();
  io_context_->stop();
  if (thread_.joinable()) thread_.join();
}

void Worker::AddListener(const table::ListenerKey& key, Acceptor acceptor) {
  auto listener = std::make_shared<Listener>(
      Listener{key, std::make_shared<const table::ListenerKey>(key), std::move(acceptor)});
  asio::post(*io_context_, [this, listener]() {
    if (draining_) {
      ErrorCode ignored;
      listener->acceptor.close(ignored);
      return;
    }
    listeners_.push_back(listener);
    asio::co_spawn(io_context_->get_executor(), AcceptLoop(this, listener), IgnoreResult);
  });
}

void Worker::RemoveListener(const table::ListenerKey& key) {
  asio::post(*io_context_, [this, key]() {
    auto it = std::find_if(listeners_.begin(), listeners_.end(),
                           [&](const auto& listener) { return listener->key == key; });
    if (it == listeners_.end()) return;
    ErrorCode ignored;
    (*it)->acceptor.close(ignored);
    listeners_.erase(it);
  });
}

void Worker::UpdateListener(const table::ListenerKey& old_key, const table::ListenerKey& new_key) {
  asio::post(*io_context_, [this, old_key, new_key]() {
    for (auto& listener : listeners_) {
      if (listener->key == old_key) {
        listener->key = new_key;
        listener->shared_key = std::make_shared<const table::ListenerKey>(new_key);
      }
    }
  });
}

void Worker::BeginDrain(std::function<void()> on_drained) {
  asio::post(*io_context_, [this, on_drained = std::move(on_drained)]() mutable {
    draining_ = true;
    on_drained_ = std::move(on_drained);
    for (auto& listener : listeners_) {
      ErrorCode ignored;
      listener->acceptor.close(ignored);
    }
    listeners_.clear();
    upstreams_->CloseAll();
    // Copy: OnDrain may end a session, which erases it from sessions_.
    std::vector<HttpSession*> sessions(sessions_.begin(), sessions_.end());
    for (HttpSession* session : sessions) {
      if (sessions_.count(session)) session->OnDrain();
    }
    CheckDrained();
  });
}

void Worker::CloseAllConnections() {
  asio::post(*io_context_, [this]() {
    std::vector<HttpSession*> sessions(sessions_.begin(), sessions_.end());
    for (HttpSession* session : sessions) {
      if (sessions_.count(session)) session->ForceClose();
    }
  });
}

void Worker::SessionStarted(HttpSession* session) { sessions_.insert(session); }

void Worker::SessionEnded(HttpSession* session) {
  sessions_.erase(session);
  CheckDrained();
}

void Worker::CheckDrained() {
  if (draining_ && sessions_.empty() && on_drained_) {
    auto callback = std::move(on_drained_);
    on_drained_ = nullptr;
    callback();
  }
}

Awaitable<void> Worker::AcceptLoop(Worker* worker, std::shared_ptr<Listener> listener) {
  Timer backoff(worker->io_context_->get_executor());
  for (;;) {
    ErrorCode ec;
    Socket socket = co_await listener->acceptor.async_accept(WithError(ec));
    if (!listener->acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      if (IsResourceExhaustion(ec)) {
        log::Warn("proxy", "accept failed", {{"error", ec.message()}});
        backoff.expires_after(kAcceptBackoff);
        co_await backoff.async_wait(WithError(ec));
      }
      continue;
    }
    HttpSession::Start(*worker, std::move(socket), listener->shared_key);
  }
}

Awaitable<void> Worker::MaintenanceLoop(Worker* worker) {
  // Idle upstream connections are swept a few times per idle timeout.
  const auto period =
      std::clamp<Clock::duration>(worker->options_.upstream_idle_timeout / 4,
                                  std::chrono::milliseconds(100), std::chrono::seconds(5));
  Timer timer(worker->io_context_->get_executor());
  for (;;) {
    timer.expires_after(period);
    ErrorCode ec;
    co_await timer.async_wait(WithError(ec));
    if (ec) co_return;
    worker->upstreams_->Sweep(Clock::now());
  }
}

}  // namespace atrium::server
