#pragma once

// Test support for the proxy: a raw-bytes client, raw and cpp-httplib
// upstreams on 127.0.0.1 port 0, and a harness that publishes a compiled
// route table and runs a ProxyServer on it. Everything stops by itself;
// every wait has a deadline.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "controller/ir/route_config.h"
#include "proxy/server/proxy_options.h"
#include "proxy/server/proxy_server.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/table_publisher.h"

namespace atrium::testing {

using namespace std::chrono_literals;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// RawClient speaks bytes to 127.0.0.1:port and parses responses with Beast.
class RawClient {
 public:
  explicit RawClient(uint16_t port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(std::string_view bytes);
  void ShutdownWrite();
  // ReadResponse parses the next response (a 1xx counts as one); nullopt on
  // timeout, close or a parse error.
  std::optional<Response> ReadResponse(std::chrono::milliseconds timeout = 10s, bool head = false);
  // WaitClosed is true when the peer closes (EOF or reset) before timeout;
  // bytes received meanwhile are appended to *received when given.
  bool WaitClosed(std::chrono::milliseconds timeout = 10s, std::string* received = nullptr);
  // ReadAtLeast buffers until n unparsed bytes are held (they are parsed by
  // the next ReadResponse); false on timeout or close.
  bool ReadAtLeast(size_t n, std::chrono::milliseconds timeout = 10s);
  // Raw takes the bytes received and not parsed yet.
  std::string Raw();

 private:
  // Fill reads more bytes into buffer_; false on timeout, EOF or error.
  bool Fill(std::chrono::steady_clock::time_point deadline, bool* eof);
  int fd_ = -1;
  std::string buffer_;
};

// SendAll writes every byte to fd; ReadHead reads up to the blank line that
// ends a header section (the rest stays in *leftover). Both time out.
bool SendAll(int fd, std::string_view bytes);
std::optional<std::string> ReadHead(int fd, std::string* leftover,
                                    std::chrono::milliseconds timeout = 10s);
// ReadExactly reads n bytes (after using *leftover).
std::optional<std::string> ReadExactly(int fd, size_t n, std::string* leftover,
                                       std::chrono::milliseconds timeout = 10s);

// RawUpstream accepts connections on 127.0.0.1:0 and runs handler(fd) on a
// thread per connection. The destructor shuts every connection down and
// joins.
class RawUpstream {
 public:
  using Handler = std::function<void(int fd)>;
  // port 0 picks a free port.
  explicit RawUpstream(Handler handler, uint16_t port = 0);
  ~RawUpstream();
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void AcceptLoop();
  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mutex_;
  std::set<int> fds_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

// HttpUpstream is a cpp-httplib server on 127.0.0.1:0 with a large thread
// pool (one thread per keep-alive connection). Register handlers on server()
// before Start().
class HttpUpstream {
 public:
  HttpUpstream();
  ~HttpUpstream();
  httplib::Server& server() { return server_; }
  void Start();
  uint16_t port() const { return port_; }

 private:
  httplib::Server server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// A port that refuses connections (bound, then closed).
uint16_t ClosedPort();

// Config builders. Every route table has one listener on 127.0.0.1 with
// bind_port 0 (spec port 80).
ir::Backend MakeBackend(std::string name, std::vector<uint16_t> ports, uint32_t weight = 1);
ir::Route PrefixRoute(std::string name, std::string prefix, std::vector<ir::Backend> backends);
ir::VirtualHost Host(std::string hostname, std::vector<ir::Route> routes);
ir::RouteConfig Config(std::vector<ir::VirtualHost> hosts);

server::ProxyOptions TestOptions();

class ProxyHarness {
 public:
  explicit ProxyHarness(server::ProxyOptions options = TestOptions());
  ~ProxyHarness();
  // Publish compiles config, publishes it and syncs the listeners; a
  // compile error fails the test.
  void Publish(const ir::RouteConfig& config);
  // PublishAllowingErrors does the same but returns the compile errors
  // (routes or certificates left out) for the test to check.
  std::vector<std::string> PublishAllowingErrors(const ir::RouteConfig& config);
  // port is the port bound for Config()'s listener (127.0.0.1, port 80).
  uint16_t port() const;
  uint16_t BoundPort(const table::ListenerKey& key) const;
  server::ProxyServer& server() { return *server_; }
  stats::StatsRegistry& stats() { return stats_; }
  table::TablePublisher& publisher() { return publisher_; }

 private:
  uint64_t generation_ = 0;
  table::TablePublisher publisher_;
  stats::StatsRegistry stats_;
  std::unique_ptr<server::ProxyServer> server_;
};

// Get builds "GET path HTTP/1.1" with Host and extra header lines.
std::string Get(std::string_view path, std::string_view host = "example.com",
                std::string_view extra = "");

// WaitFor polls condition until it holds or timeout passes.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s);

}  // namespace atrium::testing
