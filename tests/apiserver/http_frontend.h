#pragma once

// HttpFrontend serves the Kubernetes REST API over HTTP or HTTPS with
// cpp-httplib: discovery, OpenAPI v3 stubs, and every resource verb, mapped
// onto ApiOperations; WATCH streams as chunked JSON lines. Each request goes
// through the fault injector, then bearer-token authentication (only
// /version and the health endpoints are public, as with anonymous auth in a
// real cluster), then the handler.
//
// Threading: httplib serves each connection on its own thread
// (ThreadPerConnectionQueue); everything the handlers touch is thread-safe.
// Lifetime: Start binds and starts the listener thread; Stop (or the
// destructor) ends every watch, stops listening and joins all threads. The
// objects passed to the constructor must outlive the frontend.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tests/apiserver/api_operations.h"
#include "tests/apiserver/fault_injector.h"
#include "tests/apiserver/request_stats.h"
#include "tests/apiserver/tls_material.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace atrium::testing {

class ListenerThread;

// Authenticator holds the bearer token clients must present; empty disables
// authentication. Safe from any thread; the token may change at any time
// (to test token rotation).
class Authenticator {
 public:
  void SetToken(std::string token);
  std::string token() const;
  bool Allows(const std::string& authorization_header) const;

 private:
  mutable std::mutex mutex_;
  std::string token_;
};

struct FrontendConfig {
  std::string address = "127.0.0.1";
  int port = 0;
  std::shared_ptr<const TlsMaterial> tls;  // null: plain HTTP
  std::chrono::milliseconds default_watch_timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(1)};
};

class HttpFrontend {
 public:
  HttpFrontend(ApiOperations* operations, FaultInjector* faults, RequestStats* stats,
               const Authenticator* auth, FrontendConfig config);
  ~HttpFrontend();

  HttpFrontend(const HttpFrontend&) = delete;
  HttpFrontend& operator=(const HttpFrontend&) = delete;

  // Start binds config.port (0 picks a free port) and serves on a thread.
  bool Start(std::string* error);
  void Stop();
  int port() const { return port_; }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res);
  void ServeResource(const httplib::Request& req, httplib::Response& res, const std::string& group,
                     const std::string& version, const std::vector<std::string>& rest);
  void ServeWatch(const httplib::Request& req, httplib::Response& res, const RequestScope& scope,
                  const ListOptions& list);
  std::string ServerAddress() const;

  ApiOperations* const operations_;
  FaultInjector* const faults_;
  RequestStats* const stats_;
  const Authenticator* const auth_;
  const FrontendConfig config_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<ListenerThread> listener_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
};

}  // namespace atrium::testing
