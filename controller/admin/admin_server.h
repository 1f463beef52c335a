#pragma once

// AdminServer serves the operator endpoints over HTTP (cpp-httplib):
//   /healthz       200 "ok" while the process lives
//   /readyz        200 once the first route table is published (and the
//                  optional ready callback agrees), 503 before
//   /metrics       Prometheus text format 0.0.4 (see metrics_text.h)
//   /admin/routes  the live table's RouteConfig as JSON, never private keys
//   /admin/stats   table size and summed request counters as JSON
//   /admin/status  the status Atrium computed for every object and the
//                  configuration problems, from the status callback
//
// Threading: Start and Stop are called by one owning thread. Requests are
// served by cpp-httplib's thread pool; each of its threads registers with
// liburcu (RcuThreadRegistration::EnsureRegistered) before reading the table.
// Lifetime: the sources (see AdminSources) must outlive the server; Stop, or
// the destructor, returns only after every request thread has finished.

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "controller/admin/admin_sources.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace atrium::admin {

struct AdminServerOptions {
  // Request threads. cpp-httplib holds one per open connection, so a few
  // suffice for scrapers and operators.
  int threads = 4;
  // How long an idle keep-alive connection holds a thread; also bounds how
  // long Stop waits for one.
  std::chrono::seconds keep_alive_timeout{2};
  std::chrono::seconds read_timeout{5};
  std::chrono::seconds write_timeout{5};
};

// StartResult is the bound port, or why the server could not start.
struct StartResult {
  uint16_t port = 0;
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
};

class AdminServer {
 public:
  explicit AdminServer(AdminSources sources, AdminServerOptions options = {});
  ~AdminServer();  // Stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Start binds address:port (port 0 picks a free port, for tests) and
  // serves on background threads. It returns once the socket is bound, so a
  // client may connect as soon as it returns. Call at most once.
  StartResult Start(const std::string& address, uint16_t port);

  // Stop closes the listening socket and waits for in-flight requests.
  // Idempotent; safe to call when Start failed or was never called.
  void Stop();

 private:
  void RegisterHandlers();

  AdminSources sources_;
  AdminServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  std::future<void> listener_done_;
  bool started_ = false;
};

}  // namespace atrium::admin
