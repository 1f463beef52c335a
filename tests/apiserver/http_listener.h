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

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <memory>
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

// ListenerThread: Start and Stop from one controlling thread; Stop is
// idempotent. The server must outlive the thread (Stop joins it).
class ListenerThread {
 public:
  ListenerThread() = default;
  ~ListenerThread() { Stop(); }
  ListenerThread(const ListenerThread&) = delete;
  ListenerThread& operator=(const ListenerThread&) = delete;

  // Start runs server's accept loop; the server must already be bound.
  void Start(httplib::Server* server) {
    server_ = server;
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
    thread_.join();
  }

  bool running() const { return thread_.joinable(); }

 private:
  httplib::Server* server_ = nullptr;
  std::atomic<bool> loop_ended_{false};
  std::thread thread_;
};

}  // namespace atrium::testing
