#pragma once

// Listening sockets for the httplib servers.
//
// ConfigureListener gives a server's listening socket SO_REUSEADDR only
// (httplib's default adds SO_REUSEPORT, which would let two test servers
// share a port) and records its descriptor so that RaiseBacklog can lift
// httplib 0.11's hard-coded listen backlog of 5 after binding: with 5, a
// burst of reconnecting clients (informers after a restart) overflows the
// accept queue and waits a full second for SYN retransmission.
//
// WaitUntilListening waits until an httplib server's listener thread has
// marked it running. httplib 0.11's stop() does nothing before that moment,
// and this version has no readiness signal to wait on, so Start polls for it:
// otherwise an early Stop would leave the listener blocked in accept()
// forever and its join would hang.

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <httplib.h>

namespace atrium::testing {

inline std::shared_ptr<std::atomic<int>> ConfigureListener(httplib::Server& server) {
  auto fd = std::make_shared<std::atomic<int>>(-1);
  server.set_socket_options([fd](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    *fd = sock;
  });
  return fd;
}

inline void RaiseBacklog(const std::atomic<int>& fd) {
  if (fd >= 0) ::listen(fd, SOMAXCONN);
}

inline bool WaitUntilListening(const httplib::Server& server, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!server.is_running()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace atrium::testing
