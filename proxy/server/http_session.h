#pragma once

// HttpSession is one client connection: a coroutine that reads requests one
// after another (pipelined requests wait in the read buffer, so they are
// answered in order), routes each through an RCU lookup, forwards it with
// streaming bodies and relays the response, until either side closes.
//
// Threading: lives on one worker thread. Lifetime: shared_ptr owned by its
// coroutine(s); timers hold only weak references. The worker keeps a raw
// pointer in its session set, removed by the destructor.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>

#include "proxy/http/http_types.h"
#include "proxy/http/request_validation.h"
#include "proxy/server/asio_types.h"
#include "proxy/server/client_stream.h"
#include "proxy/server/deadline.h"
#include "proxy/server/upstream_registry.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/route_table.h"
#include "proxy/tls/server_context.h"

namespace atrium::server {

class Worker;

class HttpSession final : public std::enable_shared_from_this<HttpSession>,
                          public DeadlineListener {
 public:
  // Start takes over an accepted socket and runs the session on the worker.
  static void Start(Worker& worker, Socket socket,
                    std::shared_ptr<const table::ListenerKey> listener);

  HttpSession(Worker& worker, Socket socket, std::shared_ptr<const table::ListenerKey> listener);
  ~HttpSession() override;

  // OnDrain closes the connection if it is waiting for its next request.
  void OnDrain();
  // ForceClose aborts the connection and its upstream connection.
  void ForceClose();
  void OnDeadline(Deadline& deadline) override;

 private:
  enum class Phase { kHandshake, kIdle, kHeader, kActive, kTunnel, kClosing };
  // Outcome of one upstream attempt: the request was answered and the client
  // connection may serve another (kDone) or must close (kClosed), or a reused
  // upstream connection turned out stale and the request may be sent again.
  // kRetryStatus: the response's status is one the route retries on.
  enum class Attempt { kDone, kClosed, kRetryStale, kRetryStatus };
  // How a local answer is built: a plain status page, a redirect to
  // location_, a response the caller already put in local_, or the proxy
  // answering as the final recipient (with Allow).
  enum class LocalKind { kPlain, kRedirect, kPrepared, kFinalRecipient };
  // Where waiting for the upstream's response ended.
  enum class ContinueResult { kContinue, kFinal, kTimeout, kFailed, kClientGone };
  // Whether the response body was already buffered whole (kTaken, also for a
  // response without a body), must be streamed (kNotBuffered), or failed to
  // parse (kFailed).
  enum class BufferedBody { kNotBuffered, kTaken, kFailed };
  struct RelayOutcome {
    ErrorCode error;
    bool read_failed = false;  // the error came from the reading side
    bool wrote = false;        // at least one write completed
  };
  // Exchange is the state of the request being served.
  struct Exchange {
    Clock::time_point start;
    http::RequestFacts facts;
    std::shared_ptr<const table::RouteAction> action;
    const table::BackendTarget* backend = nullptr;
    unsigned client_version = 11;
    bool head = false;
    bool keep_alive = true;         // the client connection may serve another request
    bool response_started = false;  // bytes of the final response reached the client
    bool sent_continue = false;     // a 100 Continue went to the client
    int status = 0;
    Clock::time_point request_deadline = Clock::time_point::max();
    Clock::time_point attempt_deadline = Clock::time_point::max();
  };

  static Awaitable<void> Run(std::shared_ptr<HttpSession> self);
  // Handshake terminates TLS on a TLS listener's connection, within the
  // handshake timeout; false when the connection must end.
  Awaitable<bool> Handshake();
  // SendCloseNotify ends a TLS connection politely: close_notify is sent
  // without waiting for the peer's.
  Awaitable<void> SendCloseNotify();
  static Awaitable<void> RunUpstreamPump(std::shared_ptr<HttpSession> self);
  Awaitable<bool> ServeOne();
  Awaitable<bool> Route();
  Awaitable<bool> Forward();
  Awaitable<Attempt> ExchangeWithUpstream(bool may_retry, bool may_retry_status);
  Awaitable<Attempt> UpstreamFailed(bool can_retry);
  Awaitable<bool> Connect(UpstreamEndpoint& endpoint, bool* timed_out);
  Awaitable<ContinueResult> AwaitContinue();
  Awaitable<ContinueResult> ReadResponse(bool stop_at_continue, bool* got_bytes);
  Awaitable<void> Tunnel();
  template <typename From, typename To>
  Awaitable<void> Pump(From& from, To& to, char* buffer, size_t size);
  template <bool kRequest, typename In, typename Out>
  Awaitable<RelayOutcome> Relay(In& in, boost::beast::flat_buffer& in_buffer,
                                http::bhttp::parser<kRequest, http::bhttp::buffer_body>& parser,
                                Out& out,
                                http::bhttp::serializer<kRequest, http::bhttp::buffer_body>& sr);
  // TakeBufferedBody parses the body of the response just read into
  // body_buffer_ when all of it is already buffered and fits; *produced is
  // its size.
  BufferedBody TakeBufferedBody(size_t* produced);
  // WriteResponse sends the response header and the first body_size bytes of
  // body_buffer_ with one write.
  Awaitable<ErrorCode> WriteResponse(size_t body_size);
  // TrimHead frees head_ after an unusually large header.
  void TrimHead();
  Awaitable<bool> AnswerLocally(int status, LocalKind kind = LocalKind::kPlain);
  Awaitable<bool> SendLocal(int status, bool keep_alive, LocalKind kind = LocalKind::kPlain);
  // MaybeMirror sends a copy of the (bodiless) request being forwarded to the
  // mirrors of filters: fire and forget, the mirror's response is discarded
  // and never awaited.
  void MaybeMirror(const ir::Filters& filters);
  Awaitable<bool> DiscardRequestBody();
  Awaitable<bool> WriteInterim();
  Awaitable<void> LingeringClose();
  Awaitable<bool> FailUpstream(int status, stats::UpstreamError error);

  void ArmUpstream();
  void ReleaseUpstream(bool reusable);
  void Record();
  void CloseClient();

  Worker& worker_;
  ClientStream client_;
  std::shared_ptr<const table::ListenerKey> listener_;
  tls::HandshakeOrigin tls_origin_;  // TLS only: read by the SNI callback
  bool tls_established_ = false;
  std::string server_name_;  // the SNI of the TLS handshake ("" without)
  std::string client_address_;
  boost::beast::flat_buffer client_buffer_;
  std::unique_ptr<char[]> body_buffer_;
  std::unique_ptr<char[]> tunnel_buffer_;  // the second direction of a tunnel
  Deadline client_deadline_;
  Deadline upstream_deadline_;
  Timer wait_timer_;  // 100-continue wait and tunnel join
  Phase phase_ = Phase::kIdle;
  bool closing_ = false;
  bool linger_ = false;  // we ended the connection after a response: drain before close
  bool waiting_continue_ = false;
  bool continue_timed_out_ = false;
  int pumps_running_ = 0;

  Exchange exchange_;
  std::optional<http::RequestParser> request_;
  std::optional<http::ResponseParser> response_;
  std::optional<http::RequestSerializer> request_serializer_;
  std::optional<http::ResponseSerializer> response_serializer_;
  http::LocalResponse local_;
  std::string location_;  // of a redirect being answered
  std::string head_;      // a serialized header being written (capacity reused)
  std::unique_ptr<UpstreamConnection> upstream_;
  UpstreamEndpoint* endpoint_ = nullptr;  // outstanding count held while set
};

}  // namespace atrium::server
