#pragma once

// UpstreamRegistry is one worker's view of every upstream endpoint it has
// talked to: outstanding requests (for power-of-two-choices), ejection after
// a refused connection, and the pool of idle keep-alive connections.
// Endpoints are identified by address and port, so the state survives route
// table publishes that keep the endpoint.
//
// Threading: owned by one worker and used only on its thread; nothing here is
// shared across cores. Lifetime: an UpstreamEndpoint stays at a stable
// address while its outstanding count is non-zero or it holds idle
// connections; Sweep forgets the others after a while.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>

#include "controller/ir/route_config.h"
#include "proxy/server/asio_types.h"
#include "proxy/server/proxy_options.h"

namespace atrium::server {

// UpstreamConnection is one TCP connection to an endpoint with its read
// buffer (bytes the response parser has not consumed yet).
struct UpstreamConnection {
  UpstreamConnection(const Executor& executor, size_t buffer_bytes) : socket(executor) {
    buffer.reserve(buffer_bytes);
  }
  Socket socket;
  boost::beast::flat_buffer buffer;
  Clock::time_point idle_since{};
  uint32_t requests = 0;  // requests sent on this connection
};

struct UpstreamEndpoint {
  asio::ip::tcp::endpoint address;
  bool resolvable = false;  // false: the address is not an IP literal
  uint32_t outstanding = 0;
  Clock::time_point ejected_until{};
  Clock::time_point last_used{};
  std::vector<std::unique_ptr<UpstreamConnection>> idle;  // most recent last

  bool Ejected(Clock::time_point now) const { return now < ejected_until; }
};

class UpstreamRegistry {
 public:
  UpstreamRegistry(const Executor& executor, const ProxyOptions& options);
  ~UpstreamRegistry();
  UpstreamRegistry(const UpstreamRegistry&) = delete;
  UpstreamRegistry& operator=(const UpstreamRegistry&) = delete;

  // Get returns the state of endpoint, creating it on first use.
  UpstreamEndpoint& Get(std::string_view address, uint16_t port);

  // TakeIdle returns a pooled connection that is still open and not past the
  // idle timeout, or null. Closed or expired ones are dropped on the way.
  std::unique_ptr<UpstreamConnection> TakeIdle(UpstreamEndpoint& endpoint, Clock::time_point now);
  // NewConnection makes an unconnected connection object for endpoint.
  std::unique_ptr<UpstreamConnection> NewConnection();
  // ReturnIdle pools a connection whose last response was read completely.
  void ReturnIdle(UpstreamEndpoint& endpoint, std::unique_ptr<UpstreamConnection> connection,
                  Clock::time_point now);
  // Eject keeps endpoint out of load balancing until now + ejection_duration.
  void Eject(UpstreamEndpoint& endpoint, Clock::time_point now);

  // Sweep closes idle connections past the idle timeout and forgets
  // endpoints unused for a long time. Called periodically by the worker.
  void Sweep(Clock::time_point now);
  // CloseAll closes every idle connection (drain and shutdown).
  void CloseAll();

  size_t endpoint_count() const { return endpoints_.size(); }
  size_t idle_count() const;

 private:
  struct Key {
    std::string address;
    uint16_t port;
  };
  struct KeyView {
    std::string_view address;
    uint16_t port;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const KeyView& key) const {
      return std::hash<std::string_view>()(key.address) * 31 + key.port;
    }
    size_t operator()(const Key& key) const { return (*this)(KeyView{key.address, key.port}); }
  };
  struct KeyEqual {
    using is_transparent = void;
    static KeyView View(const Key& key) { return KeyView{key.address, key.port}; }
    static KeyView View(const KeyView& key) { return key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      KeyView x = View(a), y = View(b);
      return x.port == y.port && x.address == y.address;
    }
  };

  Executor executor_;
  const ProxyOptions& options_;
  std::unordered_map<Key, UpstreamEndpoint, KeyHash, KeyEqual> endpoints_;
};

}  // namespace atrium::server
