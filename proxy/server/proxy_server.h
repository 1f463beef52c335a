#pragma once

// ProxyServer is the data plane as the rest of the program sees it: worker
// threads, the listener sockets they accept on, and drain/stop.
//
// Threading: every public method may be called from any thread (the control
// plane calls SyncListeners after each publish; a signal thread calls
// Drain), but not concurrently with Stop or the destructor. Requests are
// served entirely on the worker threads; they read the route table through
// the TablePublisher (RCU) and never wait on the control plane.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "proxy/server/proxy_options.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/route_table.h"
#include "proxy/table/table_publisher.h"
#include "proxy/tls/server_context.h"

namespace atrium::server {

class Worker;

class ProxyServer {
 public:
  // publisher and stats must outlive the server. The server runs
  // min(options.workers or the core count, stats.size()) workers, worker i
  // counting into stats.worker(i).
  ProxyServer(ProxyOptions options, table::TablePublisher& publisher, stats::StatsRegistry& stats);
  ~ProxyServer();
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  // Start starts the worker threads. Listeners may be synced before or after.
  void Start();

  // SyncListeners opens sockets for keys not open yet and closes the ones no
  // longer listed (connections they accepted finish normally). Every worker
  // gets its own SO_REUSEPORT acceptor on the same port; with bind_port 0 the
  // first bind picks the port and the others reuse it. Returns one message
  // per key that could not be opened ("bind 0.0.0.0:8080: Address already in
  // use"); the other listeners are unaffected. A TLS listener terminates
  // TLS with the certificate its table selects for each handshake (SNI).
  std::vector<std::string> SyncListeners(const std::vector<table::ListenerKey>& keys);

  // BoundPort returns the port actually bound for the socket of key (its
  // address and bind_port; port and tls are ignored), or 0 if none is open.
  uint16_t BoundPort(const table::ListenerKey& key) const;

  // Drain stops accepting, closes idle keep-alive connections, lets in-flight
  // requests finish (their responses close the connection) and returns when
  // none is left or the deadline passed, in which case the rest are aborted.
  // Returns true when every connection finished in time.
  bool Drain(std::chrono::milliseconds deadline);

  // Stop ends the worker threads; connections still open are dropped.
  void Stop();

  size_t worker_count() const { return workers_.size(); }
  const ProxyOptions& options() const { return options_; }

 private:
  // A socket is identified by its address and configured bind port; the
  // rest of a ListenerKey (spec port, tls) describes it and may change.
  using SocketId = std::pair<std::string, uint16_t>;
  struct Bound {
    table::ListenerKey key;
    uint16_t port = 0;  // actually bound
  };

  std::string OpenListener(const table::ListenerKey& key, uint16_t* bound_port);

  const ProxyOptions options_;
  table::TablePublisher& publisher_;
  // One TLS context for every worker and listener: its session ticket key is
  // shared, and it reads certificates from the live table.
  tls::ServerContext tls_context_;
  std::vector<std::unique_ptr<Worker>> workers_;

  mutable std::mutex mutex_;  // guards bound_ and drained_; never on the request path
  std::condition_variable drained_cv_;
  std::map<SocketId, Bound> bound_;
  size_t drained_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace atrium::server
