#pragma once

// Worker is one data-plane thread: its own io_context, its own SO_REUSEPORT
// acceptor per listener, its own upstream pools and endpoint state, its own
// stats. Nothing on the request path is shared with another worker.
//
// Threading: AddListener, RemoveListener, BeginDrain, CloseAllConnections
// and Stop may be called from any thread; they post to the worker thread.
// Every other member is for the worker thread only (sessions call them).
// The worker thread holds a table::RcuThreadRegistration for its whole life.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>

#include "proxy/http/http_date.h"
#include "proxy/server/asio_types.h"
#include "proxy/server/fast_random.h"
#include "proxy/server/proxy_options.h"
#include "proxy/server/upstream_registry.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/table_publisher.h"
#include "proxy/tls/server_context.h"

namespace atrium::server {

class HttpSession;

class Worker {
 public:
  // tls_context (shared by every worker, owned by the server) terminates
  // TLS listeners; nullptr refuses their connections.
  Worker(size_t index, const ProxyOptions& options, table::TablePublisher& publisher,
         stats::WorkerStats& stats, tls::ServerContext* tls_context = nullptr);
  // The destructor stops and joins the thread, then destroys every
  // connection while the worker's state is still alive.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Start();
  // Stop ends the event loop (connections are abandoned) and joins.
  void Stop();

  asio::io_context& io_context() { return *io_context_; }

  // AddListener starts accepting on an opened, listening acceptor that was
  // created on this worker's io_context. RemoveListener closes it:
  // connections it accepted carry on. Any thread.
  void AddListener(const table::ListenerKey& key, Acceptor acceptor);
  void RemoveListener(const table::ListenerKey& key);
  // UpdateListener gives connections accepted from now on new_key.
  void UpdateListener(const table::ListenerKey& old_key, const table::ListenerKey& new_key);

  // BeginDrain stops accepting, closes idle keep-alive connections and makes
  // every in-flight response the last on its connection. on_drained runs on
  // the worker thread once no connection is left. Any thread.
  void BeginDrain(std::function<void()> on_drained);
  // CloseAllConnections aborts every connection (the drain deadline passed).
  void CloseAllConnections();

  // Worker thread only.
  size_t index() const { return index_; }
  const ProxyOptions& options() const { return options_; }
  table::TablePublisher& publisher() { return publisher_; }
  tls::ServerContext* tls_context() { return tls_context_; }
  stats::WorkerStats& stats() { return stats_; }
  UpstreamRegistry& upstreams() { return *upstreams_; }
  FastRandom& random() { return random_; }
  http::HttpDateCache& date() { return date_; }
  bool draining() const { return draining_; }
  void SessionStarted(HttpSession* session);
  void SessionEnded(HttpSession* session);
  size_t session_count() const { return sessions_.size(); }

 private:
  struct Listener {
    table::ListenerKey key;
    std::shared_ptr<const table::ListenerKey> shared_key;  // held by its sessions
    Acceptor acceptor;
  };
  static Awaitable<void> AcceptLoop(Worker* worker, std::shared_ptr<Listener> listener);
  static Awaitable<void> MaintenanceLoop(Worker* worker);
  void Run();
  void CheckDrained();

  const size_t index_;
  const ProxyOptions& options_;
  table::TablePublisher& publisher_;
  stats::WorkerStats& stats_;
  tls::ServerContext* const tls_context_;
  // io_context_ is destroyed explicitly in ~Worker, before the members
  // below, because destroying it destroys suspended connections, which
  // still talk to those members.
  std::optional<asio::io_context> io_context_;
  std::optional<asio::executor_work_guard<Executor>> work_;
  std::optional<UpstreamRegistry> upstreams_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::unordered_set<HttpSession*> sessions_;
  FastRandom random_;
  http::HttpDateCache date_;
  bool draining_ = false;
  std::function<void()> on_drained_;
  std::thread thread_;
};

}  // namespace atrium::server
