#pragma once

// Listening sockets and accept threads for the httplib servers.
//
// ConfigureListener gives a server's listening socket SO_REUSEADDR only
// (httplib's default adds SO_REUSEPORT, which would let two test servers
// share a port) and TCP_NODELAY, which every accepted socket inherits from
// the listener on Linux: without it, Nagle's algorithm holding the last
// small segment of a response against the client's delayed ACK costs about
// 40-85 ms per request on a keep-alive connection. It records the socket's
// descriptor so that RaiseBacklog can lift httplib 0.11's hard-coded listen
// backlog of 5 after binding: with 5, a burst of reconnecting clients
// (informers after a restart) overflows the accept queue and waits a full
// second for SYN retransmission.
//
// ListenerThread runs a bound server's accept loop on a thread of its own
// and stops it whenever Stop is called. httplib 0.11's stop() does nothing
// until the accept loop has marked the server running, so a Stop that came
// before that moment used to leave the loop blocked in accept() forever and
// its join hung; Stop now waits for the loop to have started (or ended)
// first. Connections that arrive before the loop starts wait in the backlog,
// so Start need not wait for it.
//
// Stop also ends the idle connections the server accepted. httplib 0.11
// keeps an idle keep-alive connection's thread waiting for the whole
// keep-alive timeout even after stop(), so a stop (and an API server
// restart) took as long as that timeout and raced clients' own read
// timeouts; a real API server that restarts drops idle connections at once.
// A connection with a request in flight is left to finish its response
// (httplib stops writing to a socket whose reading side has ended).

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <httplib.h>

namespace atrium::testing {

inline std::shared_ptr<std::atomic<int>> ConfigureListener(httplib::Server& server) {
  auto fd = std::make_shared<std::atomic<int>>(-1);
  server.set_tcp_nodelay(true);
  server.set_socket_options([fd](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    *fd = sock;
  });
  return fd;
}

inline void RaiseBacklog(const std::atomic<int>& fd) {
  if (fd >= 0) ::listen(fd, SOMAXCONN);
}

// PortOf returns the port of an IPv4 or IPv6 socket address, else -1.
inline int PortOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return -1;
}

// StopReadingIdleConnections shuts down the reading side of every
// connected socket of this process whose local port is port (connections a
// server on that port accepted; its listening socket has no peer and is left
// alone) and whose peer port is not busy: a thread waiting for the next
// request wakes up to end of stream.
inline void StopReadingIdleConnections(int port, const std::multiset<int>& busy_peer_ports) {
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (const dirent* entry = ::readdir(fds)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2) continue;
    sockaddr_storage local{};
    socklen_t length = sizeof(local);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) continue;
    if (PortOf(local) != port) continue;
    sockaddr_storage peer{};
    length = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;
    if (busy_peer_ports.contains(PortOf(peer))) continue;
    ::shutdown(fd, SHUT_RD);
  }
  ::closedir(fds);
}

// ListenerThread: Start and Stop from one controlling thread; Stop is
// idempotent. The server must outlive the thread (Stop joins it).
class ListenerThread {
 public:
  ListenerThread() = default;
  ~ListenerThread() { Stop(); }
  ListenerThread(const ListenerThread&) = delete;
  ListenerThread& operator=(const ListenerThread&) = delete;

  // Start runs server's accept loop; the server must already be bound (to
  // port).
  void Start(httplib::Server* server, int port) {
    server_ = server;
    port_ = port;
    // A request is in flight from routing until httplib logs it, which it
    // does once the response is written.
    server_->set_pre_routing_handler([this](const httplib::Request& request, httplib::Response&) {
      std::lock_guard lock(busy_mutex_);
      busy_peer_ports_.insert(request.remote_port);
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server_->set_logger([this](const httplib::Request& request, const httplib::Response&) {
      std::lock_guard lock(busy_mutex_);
      auto it = busy_peer_ports_.find(request.remote_port);
      if (it != busy_peer_ports_.end()) busy_peer_ports_.erase(it);
    });
    loop_ended_ = false;
    thread_ = std::thread([this] {
      server_->listen_after_bind();
      loop_ended_ = true;
    });
  }

  // Stop ends the accept loop, whether or not it has started yet, and joins
  // the thread (httplib joins the connection threads before that).
  void Stop() {
    if (!thread_.joinable()) return;
    // The loop marks the server running as the first thing it does; until
    // then stop() would be a no-op. This waits for a thread that is already
    // scheduled to start, not for an event that may never come.
    while (!loop_ended_ && !server_->is_running()) std::this_thread::yield();
    server_->stop();
    {
      std::lock_guard lock(busy_mutex_);
      StopReadingIdleConnections(port_, busy_peer_ports_);
    }
    thread_.join();
  }

  bool running() const { return thread_.joinable(); }

 private:
  httplib::Server* server_ = nullptr;
  int port_ = -1;
  std::mutex busy_mutex_;
  std::multiset<int> busy_peer_ports_;  // connections with a request in flight
  std::atomic<bool> loop_ended_{false};
  std::thread thread_;
};

}  // namespace atrium::testing
