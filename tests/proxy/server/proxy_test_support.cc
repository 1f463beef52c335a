#include "tests/proxy/server/proxy_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "proxy/table/route_table.h"

namespace atrium::testing {
namespace {

namespace bhttp = boost::beast::http;
using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// WaitReadable polls fd for input until deadline.
bool WaitReadable(int fd, SteadyClock::time_point deadline) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, RemainingMs(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

int ListenLoopback(uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(*port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 128) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

RawClient::RawClient(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::Send(std::string_view bytes) { return fd_ >= 0 && SendAll(fd_, bytes); }

void RawClient::ShutdownWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool RawClient::Fill(SteadyClock::time_point deadline, bool* eof) {
  *eof = false;
  if (fd_ < 0 || !WaitReadable(fd_, deadline)) return false;
  char chunk[64 * 1024];
  ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    *eof = true;
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::optional<Response> RawClient::ReadResponse(std::chrono::milliseconds timeout, bool head) {
  const auto deadline = SteadyClock::now() + timeout;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  parser.header_limit(1 << 20);
  if (head) parser.skip(true);
  for (;;) {
    if (!buffer_.empty()) {
      boost::system::error_code ec;
      size_t used = parser.put(boost::asio::buffer(buffer_), ec);
      buffer_.erase(0, used);
      if (ec && ec != bhttp::error::need_more) return std::nullopt;
      if (parser.is_done()) return parser.release();
      if (used > 0 && !buffer_.empty() && !ec) continue;
    }
    bool eof = false;
    if (!Fill(deadline, &eof)) {
      if (eof && parser.got_some()) {
        boost::system::error_code ec;
        parser.put_eof(ec);
        if (!ec && parser.is_done()) return parser.release();
      }
      return std::nullopt;
    }
  }
}

bool RawClient::WaitClosed(std::chrono::milliseconds timeout, std::string* received) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    bool eof = false;
    if (!Fill(deadline, &eof)) {
      if (received) *received += buffer_;
      buffer_.clear();
      return eof;
    }
  }
}

bool RawClient::ReadAtLeast(size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (buffer_.size() < n) {
    bool eof = false;
    if (!Fill(deadline, &eof)) return false;
  }
  return true;
}

std::string RawClient::Raw() {
  std::string raw = std::move(buffer_);
  buffer_.clear();
  return raw;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::optional<std::string> ReadHead(int fd, std::string* leftover,
                                    std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  std::string data = std::move(*leftover);
  leftover->clear();
  for (;;) {
    size_t end = data.find("\r\n\r\n");
    if (end != std::string::npos) {
      *leftover = data.substr(end + 4);
      return data.substr(0, end + 4);
    }
    if (!WaitReadable(fd, deadline)) return std::nullopt;
    char chunk[16 * 1024];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return std::nullopt;
    data.append(chunk, static_cast<size_t>(n));
  }
}

std::optional<std::string> ReadExactly(int fd, size_t n, std::string* leftover,
                                       std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  std::string data = std::move(*leftover);
  leftover->clear();
  while (data.size() < n) {
    if (!WaitReadable(fd, deadline)) return std::nullopt;
    char chunk[64 * 1024];
    ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
    if (got <= 0) return std::nullopt;
    data.append(chunk, static_cast<size_t>(got));
  }
  *leftover = data.substr(n);
  data.resize(n);
  return data;
}

RawUpstream::RawUpstream(Handler handler, uint16_t port)
    : handler_(std::move(handler)), port_(port) {
  listen_fd_ = ListenLoopback(&port_);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

RawUpstream::~RawUpstream() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  accept_thread_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& thread : threads_) thread.join();
}

void RawUpstream::AcceptLoop() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    if (stopping_) {
      ::close(fd);
      return;
    }
    ++accepted_;
    std::lock_guard lock(mutex_);
    fds_.insert(fd);
    threads_.emplace_back([this, fd] {
      handler_(fd);
      {
        std::lock_guard inner(mutex_);
        fds_.erase(fd);
      }
      ::close(fd);
    });
  }
}

HttpUpstream::HttpUpstream() {
  server_.new_task_queue = [] { return new httplib::ThreadPool(128); };
  server_.set_keep_alive_max_count(1000000);
  server_.set_keep_alive_timeout(30);
}

HttpUpstream::~HttpUpstream() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void HttpUpstream::Start() {
  port_ = static_cast<uint16_t>(server_.bind_to_any_port("127.0.0.1"));
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // httplib's stop() does nothing until the server runs: a test that never
  // reaches the upstream would otherwise hang in the destructor's join.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
}

uint16_t ClosedPort() {
  uint16_t port = 0;  // any
  int fd = ListenLoopback(&port);
  ::close(fd);
  return port;
}

ir::Backend MakeBackend(std::string name, std::vector<uint16_t> ports, uint32_t weight) {
  ir::Backend backend;
  backend.name = std::move(name);
  backend.weight = weight;
  for (uint16_t port : ports) backend.endpoints.Mutable().push_back({"127.0.0.1", port, true});
  return backend;
}

ir::Route PrefixRoute(std::string name, std::string prefix, std::vector<ir::Backend> backends) {
  ir::Route route;
  route.name = std::move(name);
  route.match.path = {ir::PathMatchKind::kPrefix, std::move(prefix)};
  route.backends = std::move(backends);
  return route;
}

ir::VirtualHost Host(std::string hostname, std::vector<ir::Route> routes) {
  ir::VirtualHost host;
  if (hostname.empty()) {
    host.kind = ir::HostnameKind::kAny;
  } else if (hostname.rfind("*.", 0) == 0) {
    host.kind = ir::HostnameKind::kWildcardAnyLabels;
  } else {
    host.kind = ir::HostnameKind::kExact;
  }
  host.hostname = std::move(hostname);
  host.routes.assign(std::make_move_iterator(routes.begin()),
                     std::make_move_iterator(routes.end()));
  return host;
}

ir::RouteConfig Config(std::vector<ir::VirtualHost> hosts) {
  ir::RouteConfig config;
  ir::Listener listener;
  listener.address = "127.0.0.1";
  listener.port = 80;
  listener.bind_port = 0;
  listener.virtual_hosts.assign(hosts.begin(), hosts.end());
  config.listeners.push_back(std::move(listener));
  return config;
}

server::ProxyOptions TestOptions() {
  server::ProxyOptions options;
  options.workers = 2;
  options.header_timeout = 5s;
  options.idle_timeout = 10s;
  options.upstream_connect_timeout = 2s;
  options.upstream_read_timeout = 10s;
  options.ejection_duration = 2s;
  return options;
}

ProxyHarness::ProxyHarness(server::ProxyOptions options) : stats_(options.workers) {
  server_ = std::make_unique<server::ProxyServer>(options, publisher_, stats_);
  server_->Start();
}

ProxyHarness::~ProxyHarness() {
  server_->Stop();
  server_.reset();
}

void ProxyHarness::Publish(const ir::RouteConfig& config) {
  std::vector<std::string> errors = PublishAllowingErrors(config);
  EXPECT_TRUE(errors.empty()) << errors.front();
}

std::vector<std::string> ProxyHarness::PublishAllowingErrors(const ir::RouteConfig& config) {
  std::vector<std::string> errors;
  auto table = table::RouteTable::Compile(config, ++generation_, &errors);
  std::vector<table::ListenerKey> keys = table->Listeners();
  publisher_.Publish(std::move(table));
  auto sync_errors = server_->SyncListeners(keys);
  EXPECT_TRUE(sync_errors.empty()) << sync_errors.front();
  return errors;
}

uint16_t ProxyHarness::port() const {
  return BoundPort(table::ListenerKey{"127.0.0.1", 0, 80, false});
}

uint16_t ProxyHarness::BoundPort(const table::ListenerKey& key) const {
  return server_->BoundPort(key);
}

std::string Get(std::string_view path, std::string_view host, std::string_view extra) {
  std::string request = "GET ";
  request.append(path);
  request.append(" HTTP/1.1\r\nHost: ");
  request.append(host);
  request.append("\r\n");
  request.append(extra);
  request.append("\r\n");
  return request;
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

}  // namespace atrium::testing
