#pragma once

// AdminServer exposes an ApiServer's fault injection and counters over HTTP
// on a port of its own, for end-to-end scripts driving the standalone
// atrium_test_apiserver program. A separate port keeps it reachable while
// the API port fails requests, answers slowly or restarts. No
// authentication: it binds loopback only.
//
//   POST /fault/drop-watches
//   POST /fault/fail?status=500&count=3          next 3 requests fail
//   POST /fault/fail?status=429&seconds=2&retry_after=1&path=/httproutes&watch=false
//   POST /fault/delay?ms=200                     every request waits 200 ms
//   POST /fault/clear                            no more failures or delay
//   POST /fault/compact                          old resourceVersions become 410
//   POST /fault/restart?compact=true&downtime_ms=500
//   POST /fault/bookmarks                        a BOOKMARK on every watch now
//   POST /gateway-api/install | /gateway-api/uninstall
//   POST /token?value=NEW                        rotate the accepted token
//   GET  /stats                                  {resourceVersion, openWatches, injectedFailures,
//   requests} POST /stats/reset GET  /healthz
//
// Threading: handlers run on httplib's threads and call ApiServer's
// thread-safe methods. The ApiServer must outlive the AdminServer.

#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace atrium::testing {

class ListenerThread;

class ApiServer;

class AdminServer {
 public:
  explicit AdminServer(ApiServer* api);
  ~AdminServer();

  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  bool Start(const std::string& address, int port, std::string* error);
  void Stop();
  int port() const { return port_; }

 private:
  ApiServer* const api_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<ListenerThread> listener_;
  int port_ = 0;
};

}  // namespace atrium::testing
