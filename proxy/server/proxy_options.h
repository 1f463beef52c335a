#pragma once

// ProxyOptions are the data plane's limits and timeouts. Every field has a
// sane default; main.cc maps flags onto them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace atrium::server {

struct ProxyOptions {
  using Duration = std::chrono::milliseconds;

  // Worker threads, each with its own io_context, acceptors and upstream
  // pools. 0: one per core (std::thread::hardware_concurrency()).
  size_t workers = 0;

  // The address of listeners that name none (Gateways without
  // spec.addresses, the implicit Ingress listeners). Tests use 127.0.0.1.
  std::string default_bind_address = "0.0.0.0";

  // Client side.
  size_t max_header_bytes = size_t{16} * 1024;      // request line + header section: 431
  uint64_t max_body_bytes = 1024ULL * 1024 * 1024;  // request body: 413
  Duration header_timeout{10'000};          // from the first byte to the end of the header: 408
  Duration idle_timeout{60'000};            // keep-alive wait between requests; slow body reads
  Duration send_timeout{60'000};            // a client that stops reading its response
  Duration tunnel_idle_timeout{3'600'000};  // an upgraded (WebSocket) connection
  Duration tls_handshake_timeout{10'000};   // accept to finished TLS handshake
  // A local answer (404, 503...) reads and discards at most this much of an
  // unread request body to keep the connection; beyond it, it closes.
  uint64_t max_discard_bytes = uint64_t{256} * 1024;

  // Upstream side.
  Duration upstream_connect_timeout{5'000};    // 504 (after one retry elsewhere)
  Duration upstream_read_timeout{60'000};      // silence while waiting on the upstream: 504
  Duration upstream_idle_timeout{30'000};      // pooled keep-alive connections
  size_t upstream_max_idle_per_endpoint = 64;  // per worker
  Duration expect_continue_timeout{1'000};     // waiting for the upstream's 100 Continue
  Duration ejection_duration{5'000};           // an endpoint that refused a connection

  size_t io_buffer_bytes = size_t{16} * 1024;  // per connection read buffer and body buffer
  std::string via_pseudonym = "atrium";
};

}  // namespace atrium::server
