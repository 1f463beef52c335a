#include "proxy/server/upstream_registry.h"

#include <sys/socket.h>

#include <cerrno>

namespace atrium::server {
namespace {

// kForgetAfter: an endpoint with nothing pooled, nothing in flight and no
// ejection is forgotten this long after its last use.
constexpr auto kForgetAfter = std::chrono::minutes(5);

// kCheckAfterIdle: a connection pooled for less than this is used without
// the liveness check below. Upstreams close idle connections after seconds,
// not milliseconds, and a busy pool turns its connections over much faster;
// the rare connection lost in between is retried (bodiless idempotent
// requests) or answered 502.
constexpr auto kCheckAfterIdle = std::chrono::milliseconds(500);

// StillOpen peeks at a pooled connection without blocking: an upstream that
// closed it (or sent bytes nobody asked for) makes it unusable. One cheap
// syscall saves a failed request on a stale connection.
bool StillOpen(Socket& socket) {
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

UpstreamRegistry::UpstreamRegistry(const Executor& executor, const ProxyOptions& options)
    : executor_(executor), options_(options) {}

UpstreamRegistry::~UpstreamRegistry() = default;

UpstreamEndpoint& UpstreamRegistry::Get(std::string_view address, uint16_t port) {
  auto it = endpoints_.find(KeyView{address, port});
  if (it != endpoints_.end()) return it->second;
  UpstreamEndpoint endpoint;
  ErrorCode ec;
  auto ip = asio::ip::make_address(std::string(address), ec);
  if (!ec) {
    endpoint.address = asio::ip::tcp::endpoint(ip, port);
    endpoint.resolvable = true;
  }
  return endpoints_.emplace(Key{std::string(address), port}, std::move(endpoint)).first->second;
}

std::unique_ptr<UpstreamConnection> UpstreamRegistry::TakeIdle(UpstreamEndpoint& endpoint,
                                                               Clock::time_point now) {
  while (!endpoint.idle.empty()) {
    std::unique_ptr<UpstreamConnection> connection = std::move(endpoint.idle.back());
    endpoint.idle.pop_back();
    const auto idle_for = now - connection->idle_since;
    if (idle_for < options_.upstream_idle_timeout &&
        (idle_for < kCheckAfterIdle || StillOpen(connection->socket))) {
      return connection;
    }
    ErrorCode ignored;
    connection->socket.close(ignored);
  }
  return nullptr;
}

std::unique_ptr<UpstreamConnection> UpstreamRegistry::NewConnection() {
  return std::make_unique<UpstreamConnection>(executor_, options_.io_buffer_bytes);
}

void UpstreamRegistry::ReturnIdle(UpstreamEndpoint& endpoint,
                                  std::unique_ptr<UpstreamConnection> connection,
                                  Clock::time_point now) {
  ErrorCode ignored;
  if (endpoint.idle.size() >= options_.upstream_max_idle_per_endpoint) {
    // Keep the newest: the oldest is the likeliest to be closed upstream.
    endpoint.idle.front()->socket.close(ignored);
    endpoint.idle.erase(endpoint.idle.begin());
  }
  connection->idle_since = now;
  connection->buffer.clear();
  endpoint.idle.push_back(std::move(connection));
}

void UpstreamRegistry::Eject(UpstreamEndpoint& endpoint, Clock::time_point now) {
  endpoint.ejected_until = now + options_.ejection_duration;
}

void UpstreamRegistry::Sweep(Clock::time_point now) {
  for (auto it = endpoints_.begin(); it != endpoints_.end();) {
    UpstreamEndpoint& endpoint = it->second;
    auto& idle = endpoint.idle;
    size_t kept = 0;
    for (auto& connection : idle) {
      if (now - connection->idle_since >= options_.upstream_idle_timeout) {
        ErrorCode ignored;
        connection->socket.close(ignored);
      } else {
        idle[kept++] = std::move(connection);
      }
    }
    idle.resize(kept);
    if (endpoint.outstanding == 0 && idle.empty() && !endpoint.Ejected(now) &&
        now - endpoint.last_used > kForgetAfter) {
      it = endpoints_.erase(it);
    } else {
      ++it;
    }
  }
}

void UpstreamRegistry::CloseAll() {
  for (auto& [key, endpoint] : endpoints_) {
    for (auto& connection : endpoint.idle) {
      ErrorCode ignored;
      connection->socket.close(ignored);
    }
    endpoint.idle.clear();
  }
}

size_t UpstreamRegistry::idle_count() const {
  size_t count = 0;
  for (const auto& [key, endpoint] : endpoints_) count += endpoint.idle.size();
  return count;
}

}  // namespace atrium::server
