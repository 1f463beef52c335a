#pragma once

// KubeClient speaks HTTP to the Kubernetes API server with libcurl.
//
// Ordinary requests (GET/POST/PUT/PATCH/DELETE) borrow a connection from a
// small pool: each pooled connection is a curl multi handle with one easy
// handle, and the multi handle's connection cache keeps the TCP/TLS
// connection open between requests, so steady traffic reuses connections.
// Watch opens a connection of its own for each stream, which lives as long
// as the stream.
//
// Every transfer runs on curl's multi interface so that a std::stop_token
// can interrupt it at once from another thread (curl_multi_wakeup), whether
// it is connecting, waiting for a response or idling on a watch.
//
// Threading: every method may be called from any thread at the same time.
// Request and Watch block the calling thread until they finish or are
// stopped. Lifetime: the client must outlive every call into it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/kube/kube_config.h"
#include "controller/kube/token_source.h"

namespace atrium::kube {

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kMergePatchContentType = "application/merge-patch+json";

struct HttpResponse {
  // HTTP status, or 0 when no response arrived (see error).
  long status = 0;
  std::string body;
  // Retry-After in seconds, when the server sent one (429, 503).
  std::optional<std::chrono::seconds> retry_after;
  // Why no response arrived (connection refused, TLS failure, timeout,
  // stopped). Empty when status != 0.
  std::string error;
  bool stopped = false;  // the stop token interrupted the transfer

  bool ok() const { return status >= 200 && status < 300; }
  // Json parses body; a discarded value when it is not JSON.
  nlohmann::json Json() const;
  // Describe is "HTTP 409: <Status message>" or the transport error, for
  // log lines (never the body of a successful response, which may hold a
  // Secret).
  std::string Describe() const;
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // Whole-request limit for ordinary requests (LIST pages included).
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  // Idle pooled connections kept for reuse.
  size_t max_idle_connections = 8;
  // TCP keepalive on every connection, so that a watch on a connection the
  // network silently dropped fails instead of waiting forever.
  std::chrono::seconds tcp_keepalive_idle{30};
  std::chrono::seconds tcp_keepalive_interval{10};
  // How often a file token is looked at for rotation.
  std::chrono::milliseconds token_recheck{std::chrono::seconds(1)};
  std::string user_agent = "atrium";
};

struct WatchOptions {
  // A watch that receives fewer than one byte per second for this long is
  // treated as dead and ends with a transport error (libcurl's low-speed
  // limit). Use more than the server's bookmark interval; zero disables it.
  std::chrono::seconds idle_timeout{0};
  // Upper bound on the whole stream (zero: none). Watches should also ask
  // the server to end them with timeoutSeconds.
  std::chrono::milliseconds max_duration{0};
  // Called on the watching thread when the stream goes quiet (no data for
  // quiet_after) after data came, and once when it is quiet at the start:
  // the end of a burst of events, or of the LIST before the watch. Informers
  // give back their allocator cache there (base::ReleaseThreadCache): each
  // of ten informer threads otherwise kept 0.15-1.2 MB of freed memory
  // parked between bursts. Empty: nothing is called.
  std::function<void()> on_quiet;
  std::chrono::milliseconds quiet_after{200};
};

// WatchEnd says why Watch returned.
enum class WatchEnd {
  kClosed,          // the server ended the stream (timeoutSeconds, or it went away cleanly)
  kStopped,         // the stop token was triggered
  kAborted,         // on_line returned false
  kHttpError,       // the response status was not 200 (see response)
  kTransportError,  // connection failure, reset, idle timeout (see response.error)
};
std::string_view WatchEndName(WatchEnd end);

struct WatchResult {
  WatchEnd end = WatchEnd::kClosed;
  // For kHttpError: status, body (a Status object) and Retry-After. For
  // kTransportError: error.
  HttpResponse response;
  uint64_t lines = 0;  // lines delivered to on_line
};

// LineHandler receives each line of a watch stream (without the newline);
// returning false ends the watch (kAborted).
using LineHandler = std::function<bool(std::string_view line)>;

class KubeClient {
 public:
  explicit KubeClient(KubeConfig config, ClientOptions options = {});
  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  // path is the URL path and query below the server ("/api/v1/services?limit=5").
  HttpResponse Get(const std::string& path, std::stop_token stop = {});
  HttpResponse Post(const std::string& path, const std::string& body, std::stop_token stop = {});
  HttpResponse Put(const std::string& path, const std::string& body, std::stop_token stop = {});
  HttpResponse Patch(const std::string& path, const std::string& body,
                     std::string_view content_type = kMergePatchContentType,
                     std::stop_token stop = {});
  HttpResponse Delete(const std::string& path, const std::string& body = "",
                      std::stop_token stop = {});
  HttpResponse Request(std::string_view method, const std::string& path, const std::string& body,
                       std::string_view content_type, std::stop_token stop = {});

  // Watch GETs path (which should carry watch=true) on a connection of its
  // own and hands every line of a 200 response to on_line, on the calling
  // thread, until the stream ends, on_line returns false, or stop is
  // requested (which interrupts the transfer at once).
  WatchResult Watch(const std::string& path, const LineHandler& on_line, std::stop_token stop,
                    const WatchOptions& options = {});

  const KubeConfig& config() const { return config_; }

  // connections_opened counts the TCP connections opened so far (ordinary
  // requests and watches): tests use it to prove reuse.
  uint64_t connections_opened() const;

 private:
  struct Connection;
  std::unique_ptr<Connection> Acquire();
  void Release(std::unique_ptr<Connection> connection);
  std::vector<std::string> Headers(std::string_view content_type);

  const KubeConfig config_;
  const ClientOptions options_;
  TokenSource token_;

  mutable std::mutex mutex_;  // guards the members below
  std::vector<std::unique_ptr<Connection>> idle_;
  uint64_t connections_opened_ = 0;
};

}  // namespace atrium::kube
