#include "proxy/server/http_session.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <exception>
#include <limits>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "base/log.h"
#include "proxy/http/filters.h"
#include "proxy/http/forwarding.h"
#include "proxy/http/header_source.h"
#include "proxy/http/header_writer.h"
#include "proxy/http/local_response.h"
#include "proxy/http/path_normalization.h"
#include "proxy/http/request_id.h"
#include "proxy/server/load_balancer.h"
#include "proxy/server/request_mirror.h"
#include "proxy/server/worker.h"

namespace atrium::server {
namespace {

namespace bhttp = http::bhttp;
using stats::UpstreamError;

constexpr uint32_t kMaxUpstreamHeaderBytes = 64 * 1024;
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr uint64_t kMaxLingerBytes = 1 << 20;
// Sent without waiting when a client is too slow with its header; the
// connection closes right after, so this is best effort by design.
constexpr std::string_view k408 =
    "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

Clock::duration ClientGranularity(const ProxyOptions& options) {
  return std::min({options.header_timeout, options.idle_timeout, options.send_timeout});
}

Clock::duration UpstreamGranularity(const ProxyOptions& options) {
  return std::min(options.upstream_connect_timeout, options.upstream_read_timeout);
}

// IsParseError: the error came from Beast's HTTP grammar, not the socket.
bool IsParseError(const ErrorCode& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
         ec != bhttp::error::need_buffer;
}

// Half-closing and closing either side of a tunnel: for a TLS client the
// TCP socket underneath (a tunnel's end of stream is not worth a
// close_notify round).
void ShutdownSend(Socket& socket, ErrorCode& ec) { socket.shutdown(Socket::shutdown_send, ec); }
void ShutdownSend(ClientStream& stream, ErrorCode& ec) {
  stream.socket().shutdown(Socket::shutdown_send, ec);
}
void Close(Socket& socket, ErrorCode& ec) { socket.close(ec); }
void Close(ClientStream& stream, ErrorCode& ec) { stream.socket().close(ec); }

// ParseBufferedHeader feeds parser the bytes already in buffer, as Beast's
// read does first, and reports whether that finished the header or failed
// (ec set). A request that arrived whole is then parsed in place: Beast's
// asynchronous read completes through the scheduler even when no byte is
// missing.
template <typename Parser>
bool ParseBufferedHeader(Parser& parser, boost::beast::flat_buffer& buffer, ErrorCode& ec) {
  ec = {};
  if (buffer.size() == 0) return false;
  const size_t used = parser.put(buffer.data(), ec);
  buffer.consume(used);
  if (ec == bhttp::error::need_more) {
    ec = {};
    return false;
  }
  return ec || parser.is_header_done();
}

// WriteNow writes what a plain socket takes without waiting: usually all of
// a header and a small body, with no asynchronous operation and no trip
// through the scheduler. The socket is in non-blocking mode, so a full send
// buffer returns at once (ec stays clear); the caller writes the rest
// asynchronously.
template <typename Buffers>
size_t WriteNow(Socket& socket, const Buffers& buffers, ErrorCode& ec) {
  const size_t written = socket.write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  return written;
}

void LogException(const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log::Error("proxy", "connection ended by an exception", {{"error", e.what()}});
  } catch (...) {
    log::Error("proxy", "connection ended by an unknown exception");
  }
}

}  // namespace

void HttpSession::Start(Worker& worker, Socket socket,
                        std::shared_ptr<const table::ListenerKey> listener) {
  auto session = std::make_shared<HttpSession>(worker, std::move(socket), std::move(listener));
  asio::co_spawn(worker.io_context().get_executor(), Run(std::move(session)), LogException);
}

HttpSession::HttpSession(Worker& worker, Socket socket,
                         std::shared_ptr<const table::ListenerKey> listener)
    : worker_(worker),
      client_(std::move(socket)),
      listener_(std::move(listener)),
      body_buffer_(new char[worker.options().io_buffer_bytes]),
      client_deadline_(client_.get_executor(), this, ClientGranularity(worker.options())),
      upstream_deadline_(client_.get_executor(), this, UpstreamGranularity(worker.options())),
      wait_timer_(client_.get_executor()) {
  client_buffer_.reserve(worker.options().io_buffer_bytes);
  worker_.SessionStarted(this);
  worker_.stats().ConnectionOpened();
}

HttpSession::~HttpSession() {
  // Runs on the worker thread, or while the worker destroys its io_context;
  // either way the worker and its registry are still alive.
  if (endpoint_ != nullptr) --endpoint_->outstanding;
  worker_.stats().ConnectionClosed();
  worker_.SessionEnded(this);
}

void HttpSession::OnDrain() {
  if (phase_ == Phase::kIdle || phase_ == Phase::kHandshake) CloseClient();
}

void HttpSession::ForceClose() {
  closing_ = true;
  CloseClient();
  if (upstream_) {
    ErrorCode ignored;
    upstream_->socket.close(ignored);
  }
}

void HttpSession::CloseClient() {
  ErrorCode ignored;
  client_.socket().close(ignored);
}

void HttpSession::OnDeadline(Deadline& deadline) {
  ErrorCode ignored;
  if (&deadline == &upstream_deadline_) {
    // The waiting operation fails; the session sees expired() and answers 504.
    if (upstream_) upstream_->socket.close(ignored);
    return;
  }
  if (phase_ == Phase::kHeader && !client_.is_tls()) {
    // Plaintext only: on TLS these bytes would corrupt the record stream.
    ::send(client_.socket().native_handle(), k408.data(), k408.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    exchange_.status = 408;
  }
  CloseClient();
  if (phase_ == Phase::kTunnel && upstream_) upstream_->socket.close(ignored);
}

Awaitable<void> HttpSession::Run(std::shared_ptr<HttpSession> self) {
  self->client_deadline_.SetOwner(self);
  self->upstream_deadline_.SetOwner(self);
  ErrorCode ec;
  self->client_.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  // Non-blocking for WriteNow (asynchronous operations work either way).
  if (!self->listener_->tls) self->client_.socket().non_blocking(true, ec);
  auto remote = self->client_.socket().remote_endpoint(ec);
  if (!ec) self->client_address_ = remote.address().to_string();
  bool serve = true;
  if (self->listener_->tls) serve = co_await self->Handshake();
  for (; serve;) {
    bool keep = co_await self->ServeOne();
    if (self->exchange_.status != 0) self->Record();
    if (!keep) break;
  }
  if (self->tls_established_ && !self->closing_ && self->client_.socket().is_open()) {
    co_await self->SendCloseNotify();
  }
  if (self->linger_ && !self->closing_) co_await self->LingeringClose();
  self->client_deadline_.Cancel();
  self->upstream_deadline_.Cancel();
  self->ReleaseUpstream(false);
  self->CloseClient();
}

Awaitable<bool> HttpSession::Handshake() {
  tls::ServerContext* context = worker_.tls_context();
  if (context == nullptr) co_return false;
  client_.StartTls(context->asio_context());
  // The SNI callback runs inside the handshake, on this thread, and reads
  // the certificate from the live table through tls_origin_.
  tls_origin_.address = listener_->address;
  tls_origin_.bind_port = listener_->bind_port;
  tls::ServerContext::SetOrigin(client_.tls()->native_handle(), &tls_origin_);
  phase_ = Phase::kHandshake;
  client_deadline_.Arm(worker_.options().tls_handshake_timeout);
  ErrorCode ec;
  co_await client_.tls()->async_handshake(asio::ssl::stream_base::server, WithError(ec));
  client_deadline_.Disarm();
  if (ec || closing_) {
    worker_.stats().TlsHandshakeFailed();
    co_return false;
  }
  tls_established_ = true;
  if (const char* name =
          SSL_get_servername(client_.tls()->native_handle(), TLSEXT_NAMETYPE_host_name)) {
    server_name_ = name;
  }
  co_return true;
}

Awaitable<void> HttpSession::SendCloseNotify() {
  // Marking the peer's close_notify as received makes SSL_shutdown send ours
  // and complete at once, instead of waiting for a client that may never
  // answer.
  SSL_set_shutdown(client_.tls()->native_handle(), SSL_RECEIVED_SHUTDOWN);
  phase_ = Phase::kClosing;
  client_deadline_.Arm(kLingerTimeout);
  ErrorCode ec;
  co_await client_.tls()->async_shutdown(WithError(ec));
  client_deadline_.Disarm();
}

Awaitable<bool> HttpSession::ServeOne() {
  const ProxyOptions& options = worker_.options();
  ErrorCode ec;
  exchange_ = Exchange{};
  request_serializer_.reset();
  response_serializer_.reset();
  response_.reset();
  if (client_buffer_.size() == 0) {
    // Wait for the next request under the idle timeout. A plain read, not
    // async_wait: Asio re-registers the descriptor with epoll for every wait
    // operation, while a read goes through the speculative fast path.
    phase_ = Phase::kIdle;
    if (worker_.draining() || closing_) co_return false;
    client_deadline_.Arm(options.idle_timeout);
    size_t n = co_await client_.async_read_some(
        client_buffer_.prepare(std::max<size_t>(client_buffer_.capacity(), 512)), WithError(ec));
    client_deadline_.Disarm();
    if (ec || closing_) co_return false;
    client_buffer_.commit(n);
  }

  phase_ = Phase::kHeader;
  exchange_.start = Clock::now();
  request_.emplace();
  request_->header_limit(static_cast<uint32_t>(options.max_header_bytes));
  request_->body_limit(options.max_body_bytes);
  if (!ParseBufferedHeader(*request_, client_buffer_, ec)) {
    client_deadline_.Arm(options.header_timeout);
    co_await bhttp::async_read_header(client_, client_buffer_, *request_, WithError(ec));
    client_deadline_.Disarm();
  }
  if (ec) {
    if (closing_ || client_deadline_.expired() || !IsParseError(ec)) co_return false;
    auto unparsed = client_buffer_.data();
    co_await SendLocal(
        http::StatusForParseError(
            ec, std::string_view(static_cast<const char*>(unparsed.data()), unparsed.size())),
        false);
    co_return false;
  }

  phase_ = Phase::kActive;
  auto& request = request_->get();
  exchange_.client_version = request.version() == 10 ? 10 : 11;
  exchange_.head = request.method() == bhttp::verb::head;
  http::Verdict verdict = http::ValidateRequest(request, &exchange_.facts);
  // Routed, redirected, rewritten and forwarded by its normal form
  // (path_normalization.h).
  if (verdict.ok()) verdict = http::NormalizeRequestPath(request, &exchange_.facts);
  if (!verdict.ok()) {
    co_await SendLocal(verdict.status, false);
    co_return false;
  }
  exchange_.keep_alive = request_->keep_alive() && !worker_.draining();
  if (http::MaxForwardsStop(request)) {
    // The proxy is the final recipient: OPTIONS is answered, TRACE (which
    // would echo credentials) is not allowed.
    co_return co_await AnswerLocally(request.method() == bhttp::verb::options ? 200 : 405,
                                     LocalKind::kFinalRecipient);
  }
  co_return co_await Route();
}

Awaitable<bool> HttpSession::Route() {
  auto& request = request_->get();
  const http::RequestFacts& facts = exchange_.facts;
  if (facts.target.form == http::TargetForm::kAsterisk) {
    // "OPTIONS *" asks about the server itself, not about a route.
    co_return co_await AnswerLocally(200);
  }
  table::LookupResult result;
  {
    http::FieldsHeaderSource headers(request);
    table::RequestView view;
    view.address = listener_->address;
    view.bind_port = listener_->bind_port;
    view.host = facts.host;
    view.path = facts.target.path;
    view.query = facts.target.query;
    view.method = request.method_string();
    view.headers = &headers;
    view.server_name = server_name_;
    // Synchronous: the RCU read section opens and closes inside Lookup, and
    // only the reference-counted action survives it.
    result = worker_.publisher().Lookup(view);
  }
  if (result.status != 0 || !result.action) {
    co_return co_await AnswerLocally(result.status != 0 ? result.status : 404);
  }
  exchange_.action = std::move(result.action);
  const table::RouteAction& action = *exchange_.action;
  if (action.timeouts().request_ms && *action.timeouts().request_ms > 0) {
    exchange_.request_deadline =
        exchange_.start + std::chrono::milliseconds(*action.timeouts().request_ms);
  }
  if (action.filters().cors && http::IsCorsPreflight(request)) {
    http::MakeCorsPreflightResponse(local_, *action.filters().cors, request, worker_.date().Now());
    co_return co_await AnswerLocally(204, LocalKind::kPrepared);
  }
  if (action.filters().redirect) {
    const ir::RequestRedirect& redirect = *action.filters().redirect;
    http::RedirectRequest target{listener_->tls ? "https" : "http", facts.host, facts.target.path,
                                 facts.target.query};
    location_ = http::RedirectLocation(redirect, target, action.path_match());
    co_return co_await AnswerLocally(redirect.status_code, LocalKind::kRedirect);
  }
  if (action.direct_status() != 0) co_return co_await AnswerLocally(action.direct_status());
  exchange_.backend = PickBackend(action, worker_.random());
  if (exchange_.backend == nullptr || !exchange_.backend->valid()) {
    co_return co_await AnswerLocally(500);
  }
  if (!exchange_.backend->endpoints || exchange_.backend->endpoints->endpoints.empty()) {
    worker_.stats().RecordUpstreamError(UpstreamError::kNoHealthyEndpoint);
    co_return co_await AnswerLocally(503);
  }
  co_return co_await Forward();
}

Awaitable<bool> HttpSession::Forward() {
  const ProxyOptions& options = worker_.options();
  FastRandom& random = worker_.random();
  auto& request = request_->get();

  char id_buffer[http::kRequestIdLength];
  http::UpstreamRequestContext context;
  context.client_address = client_address_;
  context.scheme = listener_->tls ? "https" : "http";
  context.via_pseudonym = options.via_pseudonym;
  context.request_id = http::FormatRequestId(random.Next(), random.Next(), id_buffer);
  std::optional<uint64_t> length;
  if (!exchange_.facts.chunked && request_->content_length()) {
    length = *request_->content_length();
  }
  const table::RouteAction& action = *exchange_.action;
  const ir::Filters& backend_filters = exchange_.backend->filters();
  // URL rewrites read the path as the client sent it: compute them before
  // the header is rewritten for the upstream.
  std::optional<std::string> rewritten_target;
  std::optional<std::string> rewritten_host;
  for (const ir::Filters* filters : {&action.filters(), &backend_filters}) {
    if (!filters->rewrite) continue;
    if (filters->rewrite->hostname) rewritten_host = *filters->rewrite->hostname;
    if (filters->rewrite->path.kind != ir::PathModifierKind::kNone) {
      std::string target = http::RewritePath(exchange_.facts.target.path, filters->rewrite->path,
                                             action.path_match());
      if (!exchange_.facts.target.query.empty()) {
        target.push_back('?');
        target.append(exchange_.facts.target.query);
      }
      rewritten_target = std::move(target);
    }
  }
  http::PrepareUpstreamRequest(request, exchange_.facts, length, context);
  if (rewritten_target) request.target(*rewritten_target);
  if (rewritten_host) request.set(bhttp::field::host, *rewritten_host);
  if (action.filters().request_headers) {
    http::ApplyHeaderModifier(request, *action.filters().request_headers);
  }
  if (backend_filters.request_headers) {
    http::ApplyHeaderModifier(request, *backend_filters.request_headers);
  }
  if (!action.filters().mirrors.empty() && request_->is_done()) MaybeMirror(action.filters());
  // The facts' views pointed into the header just rewritten.
  exchange_.facts.target = http::RequestTarget{};
  exchange_.facts.host = {};

  UpstreamEndpoint* failed = nullptr;
  int retries_left = request_->is_done() ? action.retry().attempts : 0;
  bool failed_by_timeout = false;
  bool stale_retried = false;
  for (;;) {
    auto now = Clock::now();
    UpstreamEndpoint* endpoint =
        PickEndpoint(*exchange_.backend->endpoints, worker_.upstreams(), random, failed, now);
    if (endpoint == nullptr) {
      // Only reachable after a failed connection with no other endpoint.
      co_return co_await FailUpstream(failed_by_timeout ? 504 : 502, UpstreamError::kCount);
    }
    endpoint_ = endpoint;
    ++endpoint->outstanding;
    endpoint->last_used = now;
    exchange_.attempt_deadline = Clock::time_point::max();
    if (action.timeouts().backend_request_ms && *action.timeouts().backend_request_ms > 0) {
      exchange_.attempt_deadline =
          now + std::chrono::milliseconds(*action.timeouts().backend_request_ms);
    }
    upstream_ = worker_.upstreams().TakeIdle(*endpoint, now);
    const bool reused = upstream_ != nullptr;
    if (!reused) {
      upstream_ = worker_.upstreams().NewConnection();
      bool timed_out = false;
      if (!co_await Connect(*endpoint, &timed_out)) {
        worker_.upstreams().Eject(*endpoint, Clock::now());
        ReleaseUpstream(false);
        UpstreamError error =
            timed_out ? UpstreamError::kConnectTimeout : UpstreamError::kConnectFailed;
        worker_.stats().RecordUpstreamError(error);
        if (closing_) co_return false;
        if (failed == nullptr && Clock::now() < exchange_.request_deadline) {
          // One retry on another endpoint: nothing was sent yet.
          failed = endpoint;
          failed_by_timeout = timed_out;
          continue;
        }
        co_return co_await FailUpstream(timed_out ? 504 : 502, UpstreamError::kCount);
      }
    }
    Attempt attempt = co_await ExchangeWithUpstream(reused && !stale_retried, retries_left > 0);
    if (attempt == Attempt::kRetryStale) {
      stale_retried = true;
      continue;
    }
    if (attempt == Attempt::kRetryStatus) {
      // rules[].retry: the response's status is listed; try again after the
      // backoff (bodiless requests only: a streamed body cannot be replayed).
      --retries_left;
      if (action.retry().backoff_ms > 0) {
        wait_timer_.expires_after(std::chrono::milliseconds(action.retry().backoff_ms));
        ErrorCode ignored;
        co_await wait_timer_.async_wait(WithError(ignored));
        if (closing_) co_return false;
      }
      continue;
    }
    co_return attempt == Attempt::kDone&& exchange_.keep_alive;
  }
}

Awaitable<bool> HttpSession::Connect(UpstreamEndpoint& endpoint, bool* timed_out) {
  *timed_out = false;
  if (!endpoint.resolvable) co_return false;
  upstream_deadline_.ArmAt(std::min({Clock::now() + worker_.options().upstream_connect_timeout,
                                     exchange_.request_deadline, exchange_.attempt_deadline}));
  ErrorCode ec;
  co_await upstream_->socket.async_connect(endpoint.address, WithError(ec));
  upstream_deadline_.Disarm();
  if (ec || !upstream_->socket.is_open()) {
    *timed_out = upstream_deadline_.expired();
    co_return false;
  }
  upstream_->socket.set_option(asio::ip::tcp::no_delay(true), ec);
  upstream_->socket.non_blocking(true, ec);  // for WriteNow
  co_return true;
}

void HttpSession::ArmUpstream() {
  upstream_deadline_.ArmAt(std::min({Clock::now() + worker_.options().upstream_read_timeout,
                                     exchange_.request_deadline, exchange_.attempt_deadline}));
}

void HttpSession::ReleaseUpstream(bool reusable) {
  if (upstream_) {
    if (reusable && endpoint_ != nullptr && !worker_.draining() && !closing_) {
      worker_.upstreams().ReturnIdle(*endpoint_, std::move(upstream_), Clock::now());
    } else {
      ErrorCode ignored;
      upstream_->socket.close(ignored);
      upstream_.reset();
    }
  }
  if (endpoint_ != nullptr) {
    --endpoint_->outstanding;
    endpoint_ = nullptr;
  }
}

// ExchangeWithUpstream sends the request on upstream_ and relays the response. It
// returns kRetryStale only when may_retry and the connection, reused from the
// pool, failed before the upstream produced any byte of a response to a
// bodiless idempotent request (the upstream closed it while it was idle).
Awaitable<HttpSession::Attempt> HttpSession::ExchangeWithUpstream(bool may_retry,
                                                                  bool may_retry_status) {
  UpstreamConnection& up = *upstream_;
  auto& request = request_->get();
  ++up.requests;
  const bool body_pending = !request_->is_done();
  // A bodiless request goes out as its header in one write from one buffer;
  // a body is streamed through Beast's serializer.
  const bool header_only = !body_pending && !exchange_.facts.chunked;
  if (!header_only) request_serializer_.emplace(request);
  const bool retryable = may_retry && !body_pending && http::IsIdempotent(request.method());
  ErrorCode ec;

  bool have_final = false;
  if (exchange_.facts.expect_continue && body_pending) {
    // RFC 9110 §10.1.1: forward the header and let the upstream decide.
    // write_header: a serializer with no body buffer yet would not even
    // write the header.
    request_serializer_->split(true);
    ArmUpstream();
    co_await bhttp::async_write_header(up.socket, *request_serializer_, WithError(ec));
    upstream_deadline_.Disarm();
    if (ec) co_return co_await UpstreamFailed(false);
    switch (co_await AwaitContinue()) {
      case ContinueResult::kContinue:
        break;
      case ContinueResult::kTimeout: {
        // The upstream is silent (an HTTP/1.0 server does not know Expect):
        // invite the client ourselves.
        bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, 11};
        client_deadline_.Arm(worker_.options().send_timeout);
        co_await bhttp::async_write(client_, proceed, WithError(ec));
        client_deadline_.Disarm();
        if (ec) {
          ReleaseUpstream(false);
          co_return Attempt::kClosed;
        }
        exchange_.sent_continue = true;
        break;
      }
      case ContinueResult::kFinal:
        have_final = true;
        break;
      case ContinueResult::kFailed:
        co_return co_await UpstreamFailed(false);
      case ContinueResult::kClientGone:
        ReleaseUpstream(false);
        co_return Attempt::kClosed;
    }
  }

  if (!have_final && header_only) {
    head_.clear();
    http::AppendHeader(request, &head_);
    const size_t written = WriteNow(up.socket, asio::buffer(head_), ec);
    if (!ec && written < head_.size()) {
      ArmUpstream();
      co_await asio::async_write(up.socket, asio::buffer(head_) + written, WithError(ec));
      upstream_deadline_.Disarm();
    }
    TrimHead();
    if (ec) co_return co_await UpstreamFailed(retryable);
  } else if (!have_final) {
    RelayOutcome sent =
        co_await Relay<true>(client_, client_buffer_, *request_, up.socket, *request_serializer_);
    if (sent.error) {
      if (!sent.read_failed) co_return co_await UpstreamFailed(retryable);
      // The client failed: gone, too slow, a bad chunk or a body over the limit.
      ReleaseUpstream(false);
      if (closing_ || client_deadline_.expired() || !IsParseError(sent.error)) {
        co_return Attempt::kClosed;
      }
      co_await SendLocal(http::StatusForParseError(sent.error), false);
      co_return Attempt::kClosed;
    }
  }
  if (!have_final) {
    bool got_bytes = false;
    switch (co_await ReadResponse(false, &got_bytes)) {
      case ContinueResult::kFinal:
        break;
      case ContinueResult::kClientGone:
        ReleaseUpstream(false);
        co_return Attempt::kClosed;
      default:
        co_return co_await UpstreamFailed(retryable && !got_bytes);
    }
  }

  auto& response = response_->get();
  const int status = static_cast<int>(response.result_int());
  if (status == 101) {
    if (!exchange_.facts.upgrade || !request_->is_done()) {
      // A switch nobody asked for cannot be relayed.
      worker_.stats().RecordUpstreamError(UpstreamError::kProtocol);
      ReleaseUpstream(false);
      bool keep = co_await FailUpstream(502, UpstreamError::kCount);
      co_return keep ? Attempt::kDone : Attempt::kClosed;
    }
    co_await Tunnel();
    co_return Attempt::kClosed;
  }

  const table::RouteAction& action = *exchange_.action;
  if (may_retry_status && std::find(action.retry().codes.begin(), action.retry().codes.end(),
                                    status) != action.retry().codes.end()) {
    ReleaseUpstream(false);
    co_return Attempt::kRetryStatus;
  }
  exchange_.status = status;
  const bool request_complete = request_->is_done();
  // A drain that began while the request was in flight makes this response
  // the connection's last.
  if (!request_complete || worker_.draining()) exchange_.keep_alive = false;
  http::ClientResponseContext context;
  context.client_version = exchange_.client_version;
  context.head_request = exchange_.head;
  context.keep_alive = exchange_.keep_alive;
  context.date = worker_.date().Now();
  std::optional<uint64_t> length;
  if (!response_->chunked() && response_->content_length()) {
    length = *response_->content_length();
  }
  http::ResponseFraming framing = http::PrepareClientResponse(response, length, context);
  if (framing.close_after) exchange_.keep_alive = false;
  if (action.filters().response_headers) {
    http::ApplyHeaderModifier(response, *action.filters().response_headers);
  }
  if (exchange_.backend->filters().response_headers) {
    http::ApplyHeaderModifier(response, *exchange_.backend->filters().response_headers);
  }
  if (action.filters().cors) {
    auto origin = request.find(bhttp::field::origin);
    if (origin != request.end()) {
      http::AddCorsResponseHeaders(response, *action.filters().cors, origin->value());
    }
  }

  RelayOutcome relayed;
  size_t buffered_body = 0;
  const BufferedBody buffered =
      framing.chunked ? BufferedBody::kNotBuffered : TakeBufferedBody(&buffered_body);
  if (buffered == BufferedBody::kFailed) {
    worker_.stats().RecordUpstreamError(UpstreamError::kProtocol);
    ReleaseUpstream(false);
    bool keep = co_await FailUpstream(502, UpstreamError::kCount);
    co_return keep ? Attempt::kDone : Attempt::kClosed;
  }
  if (buffered == BufferedBody::kTaken) {
    relayed.error = co_await WriteResponse(buffered_body);
    relayed.wrote = !relayed.error;
    TrimHead();
  } else {
    response_serializer_.emplace(response);
    relayed =
        co_await Relay<false>(up.socket, up.buffer, *response_, client_, *response_serializer_);
  }
  exchange_.response_started = relayed.wrote;
  if (relayed.error) {
    if (relayed.read_failed) {
      // The upstream failed in the middle of the response.
      const bool timeout = upstream_deadline_.expired();
      worker_.stats().RecordUpstreamError(timeout ? UpstreamError::kRequestTimeout
                                                  : UpstreamError::kReset);
      ReleaseUpstream(false);
      if (!relayed.wrote && !closing_) {
        bool keep = co_await FailUpstream(timeout ? 504 : 502, UpstreamError::kCount);
        co_return keep ? Attempt::kDone : Attempt::kClosed;
      }
    } else {
      ReleaseUpstream(false);
    }
    co_return Attempt::kClosed;
  }
  ReleaseUpstream(response_->keep_alive() && request_complete && up.buffer.size() == 0);
  if (!exchange_.keep_alive) {
    linger_ = true;
    co_return Attempt::kClosed;
  }
  co_return Attempt::kDone;
}

HttpSession::BufferedBody HttpSession::TakeBufferedBody(size_t* produced) {
  *produced = 0;
  http::ResponseParser& parser = *response_;
  if (parser.is_done()) return BufferedBody::kTaken;  // no body (HEAD, 204, 304, length 0)
  if (parser.chunked() || !parser.content_length()) return BufferedBody::kNotBuffered;
  const uint64_t length = *parser.content_length();
  const size_t size = worker_.options().io_buffer_bytes;
  boost::beast::flat_buffer& buffer = upstream_->buffer;
  if (length > buffer.size() || length > size) return BufferedBody::kNotBuffered;
  auto& body = parser.get().body();
  body.data = body_buffer_.get();
  body.size = size;
  ErrorCode ec;
  buffer.consume(parser.put(buffer.data(), ec));
  *produced = size - body.size;
  return !ec && parser.is_done() ? BufferedBody::kTaken : BufferedBody::kFailed;
}

void HttpSession::TrimHead() {
  // A connection keeps a buffer the size of a usual header and body, not
  // the largest it ever sent.
  if (head_.capacity() > worker_.options().io_buffer_bytes) std::string().swap(head_);
}

Awaitable<ErrorCode> HttpSession::WriteResponse(size_t body_size) {
  head_.clear();
  http::AppendHeader(response_->get().base(), &head_);
  ErrorCode ec;
  if (client_.is_tls()) {
    // One buffer: a TLS stream writes one record per buffer.
    head_.append(body_buffer_.get(), body_size);
    client_deadline_.Arm(worker_.options().send_timeout);
    co_await asio::async_write(client_, asio::buffer(head_), WithError(ec));
    client_deadline_.Disarm();
    co_return ec;
  }
  std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_),
                                               asio::const_buffer(body_buffer_.get(), body_size)};
  size_t written = WriteNow(client_.socket(), buffers, ec);
  if (ec || written == head_.size() + body_size) co_return ec;
  // The send buffer is full: the rest waits for the client.
  if (written < head_.size()) {
    buffers[0] += written;
  } else {
    buffers[1] += written - head_.size();
    buffers[0] = asio::const_buffer();
  }
  client_deadline_.Arm(worker_.options().send_timeout);
  co_await asio::async_write(client_.socket(), buffers, WithError(ec));
  client_deadline_.Disarm();
  co_return ec;
}

Awaitable<HttpSession::Attempt> HttpSession::UpstreamFailed(bool can_retry) {
  const bool timeout = upstream_deadline_.expired();
  ReleaseUpstream(false);
  if (can_retry && !timeout && !closing_) co_return Attempt::kRetryStale;
  bool keep = co_await FailUpstream(
      timeout ? 504 : 502, timeout ? UpstreamError::kRequestTimeout : UpstreamError::kReset);
  co_return keep ? Attempt::kDone : Attempt::kClosed;
}

Awaitable<HttpSession::ContinueResult> HttpSession::AwaitContinue() {
  UpstreamConnection& up = *upstream_;
  if (up.buffer.size() == 0) {
    ErrorCode ec;
    waiting_continue_ = true;
    continue_timed_out_ = false;
    wait_timer_.expires_after(worker_.options().expect_continue_timeout);
    wait_timer_.async_wait([this, owner = weak_from_this()](const ErrorCode& error) {
      auto alive = owner.lock();
      if (!alive || error || !waiting_continue_) return;
      continue_timed_out_ = true;
      ErrorCode ignored;
      if (upstream_) upstream_->socket.cancel(ignored);
    });
    ArmUpstream();
    co_await up.socket.async_wait(Socket::wait_read, WithError(ec));
    upstream_deadline_.Disarm();
    waiting_continue_ = false;
    wait_timer_.cancel();
    if (continue_timed_out_ && !upstream_deadline_.expired()) co_return ContinueResult::kTimeout;
    if (ec) co_return ContinueResult::kFailed;
  }
  bool got_bytes = false;
  co_return co_await ReadResponse(true, &got_bytes);
}

// ReadResponse reads response headers from the upstream, relaying interim
// (1xx) responses to HTTP/1.1 clients, until a final response or a 101
// (kFinal), or a 100 when stop_at_continue (kContinue, relayed).
Awaitable<HttpSession::ContinueResult> HttpSession::ReadResponse(bool stop_at_continue,
                                                                 bool* got_bytes) {
  UpstreamConnection& up = *upstream_;
  *got_bytes = false;
  for (;;) {
    response_serializer_.reset();
    response_.emplace();
    response_->header_limit(kMaxUpstreamHeaderBytes);
    // Not boost::none: Beast 1.74 compares the length with the optional and
    // treats none as smaller than any length.
    response_->body_limit(std::numeric_limits<uint64_t>::max());
    if (exchange_.head) response_->skip(true);
    ErrorCode ec;
    ArmUpstream();
    co_await bhttp::async_read_header(up.socket, up.buffer, *response_, WithError(ec));
    upstream_deadline_.Disarm();
    if (ec) {
      *got_bytes =
          *got_bytes || !(ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset);
      if (IsParseError(ec)) worker_.stats().RecordUpstreamError(UpstreamError::kProtocol);
      co_return ContinueResult::kFailed;
    }
    *got_bytes = true;
    const int status = static_cast<int>(response_->get().result_int());
    if (status == 101 || status / 100 != 1) co_return ContinueResult::kFinal;
    // Interim response. A 100 is relayed once; an HTTP/1.0 client gets none
    // (RFC 9110 §15.2).
    const bool duplicate_continue = status == 100 && exchange_.sent_continue;
    if (exchange_.client_version >= 11 && !duplicate_continue) {
      if (!co_await WriteInterim()) co_return ContinueResult::kClientGone;
      if (status == 100) exchange_.sent_continue = true;
    }
    if (status == 100 && stop_at_continue) co_return ContinueResult::kContinue;
  }
}

Awaitable<bool> HttpSession::WriteInterim() {
  auto& response = response_->get();
  http::ClientResponseContext context;
  context.client_version = exchange_.client_version;
  http::PrepareClientResponse(response, std::nullopt, context);
  response.body().data = nullptr;
  response.body().size = 0;
  response.body().more = false;
  response_serializer_.emplace(response);
  ErrorCode ec;
  client_deadline_.Arm(worker_.options().send_timeout);
  co_await bhttp::async_write(client_, *response_serializer_, WithError(ec));
  client_deadline_.Disarm();
  response_serializer_.reset();
  co_return !ec;
}

template <bool kRequest, typename In, typename Out>
Awaitable<HttpSession::RelayOutcome> HttpSession::Relay(
    In& in, boost::beast::flat_buffer& in_buffer,
    bhttp::parser<kRequest, bhttp::buffer_body>& parser, Out& out,
    bhttp::serializer<kRequest, bhttp::buffer_body>& serializer) {
  const ProxyOptions& options = worker_.options();
  const size_t size = options.io_buffer_bytes;
  char* buffer = body_buffer_.get();
  auto& body = parser.get().body();
  RelayOutcome outcome;
  ErrorCode ec;
  for (;;) {
    size_t produced = 0;
    if (!parser.is_done()) {
      body.data = buffer;
      body.size = size;
      // read_some, not read: a slow stream (server-sent events, a trickling
      // upload) is forwarded as it comes instead of when the buffer fills.
      if constexpr (kRequest) {
        client_deadline_.Arm(options.idle_timeout);
      } else {
        ArmUpstream();
      }
      co_await bhttp::async_read_some(in, in_buffer, parser, WithError(ec));
      if constexpr (kRequest) {
        client_deadline_.Disarm();
      } else {
        upstream_deadline_.Disarm();
      }
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        outcome.error = ec;
        outcome.read_failed = true;
        co_return outcome;
      }
      produced = size - body.size;
      if (produced == 0 && !parser.is_done()) continue;  // only framing was read
    }
    if (produced > 0) {
      body.data = buffer;
      body.size = produced;
      body.more = !parser.is_done();
    } else {
      body.data = nullptr;
      body.size = 0;
      body.more = false;
    }
    if constexpr (kRequest) {
      ArmUpstream();
    } else {
      client_deadline_.Arm(options.send_timeout);
    }
    co_await bhttp::async_write(out, serializer, WithError(ec));
    if constexpr (kRequest) {
      upstream_deadline_.Disarm();
    } else {
      client_deadline_.Disarm();
    }
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      outcome.error = ec;
      co_return outcome;
    }
    outcome.wrote = true;
    if (serializer.is_done()) co_return outcome;
  }
}

Awaitable<void> HttpSession::Tunnel() {
  const ProxyOptions& options = worker_.options();
  auto& response = response_->get();
  exchange_.status = 101;
  http::ClientResponseContext context;
  context.client_version = exchange_.client_version;
  context.date = worker_.date().Now();
  http::PrepareClientResponse(response, std::nullopt, context);
  response.body().data = nullptr;
  response.body().size = 0;
  response.body().more = false;
  response_serializer_.emplace(response);
  ErrorCode ec;
  client_deadline_.Arm(options.send_timeout);
  co_await bhttp::async_write(client_, *response_serializer_, WithError(ec));
  if (!ec && client_buffer_.size() > 0) {
    // Bytes the client sent after its request already speak the new protocol.
    co_await asio::async_write(upstream_->socket, client_buffer_.data(), WithError(ec));
    client_buffer_.consume(client_buffer_.size());
  }
  if (!ec && upstream_->buffer.size() > 0) {
    co_await asio::async_write(client_, upstream_->buffer.data(), WithError(ec));
    upstream_->buffer.consume(upstream_->buffer.size());
  }
  client_deadline_.Disarm();
  exchange_.response_started = true;
  if (ec) co_return;

  phase_ = Phase::kTunnel;
  tunnel_buffer_.reset(new char[options.io_buffer_bytes]);
  pumps_running_ = 2;
  asio::co_spawn(client_.get_executor(), RunUpstreamPump(shared_from_this()), LogException);
  co_await Pump(client_, upstream_->socket, body_buffer_.get(), options.io_buffer_bytes);
  while (pumps_running_ > 0) {
    wait_timer_.expires_at(Clock::time_point::max());
    co_await wait_timer_.async_wait(WithError(ec));
  }
  ReleaseUpstream(false);
}

Awaitable<void> HttpSession::RunUpstreamPump(std::shared_ptr<HttpSession> self) {
  co_await self->Pump(self->upstream_->socket, self->client_, self->tunnel_buffer_.get(),
                      self->worker_.options().io_buffer_bytes);
}

// Pump copies one direction of a tunnel until end of stream (which it passes
// on as a half-close) or an error (which ends both directions).
template <typename From, typename To>
Awaitable<void> HttpSession::Pump(From& from, To& to, char* buffer, size_t size) {
  const auto idle = worker_.options().tunnel_idle_timeout;
  ErrorCode ec;
  for (;;) {
    client_deadline_.Arm(idle);
    size_t n = co_await from.async_read_some(asio::buffer(buffer, size), WithError(ec));
    if (ec) {
      ErrorCode ignored;
      if (ec == asio::error::eof) {
        ShutdownSend(to, ignored);
      } else {
        Close(from, ignored);
        Close(to, ignored);
      }
      break;
    }
    co_await asio::async_write(to, asio::buffer(buffer, n), WithError(ec));
    if (ec) {
      ErrorCode ignored;
      Close(from, ignored);
      Close(to, ignored);
      break;
    }
  }
  if (--pumps_running_ == 0) {
    client_deadline_.Disarm();
  }
  wait_timer_.cancel();
}

Awaitable<bool> HttpSession::AnswerLocally(int status, LocalKind kind) {
  bool keep = exchange_.keep_alive;
  if (!request_->is_done()) {
    // A client that expects 100-continue may never send the body: answering
    // and closing is the only safe end (RFC 9110 §10.1.1).
    if (exchange_.facts.expect_continue) {
      keep = false;
    } else if (keep) {
      keep = co_await DiscardRequestBody();
    }
  }
  co_return co_await SendLocal(status, keep, kind);
}

Awaitable<bool> HttpSession::DiscardRequestBody() {
  const ProxyOptions& options = worker_.options();
  auto& body = request_->get().body();
  uint64_t discarded = 0;
  ErrorCode ec;
  while (!request_->is_done()) {
    if (discarded > options.max_discard_bytes) co_return false;
    body.data = body_buffer_.get();
    body.size = options.io_buffer_bytes;
    client_deadline_.Arm(options.idle_timeout);
    co_await bhttp::async_read_some(client_, client_buffer_, *request_, WithError(ec));
    client_deadline_.Disarm();
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) co_return false;
    discarded += options.io_buffer_bytes - body.size;
  }
  co_return true;
}

Awaitable<bool> HttpSession::SendLocal(int status, bool keep_alive, LocalKind kind) {
  exchange_.status = status;
  if (worker_.draining()) keep_alive = false;
  if (!keep_alive) exchange_.keep_alive = false;
  if (kind == LocalKind::kPrepared) {
    // local_ was filled by the caller (a CORS preflight answer).
    if (!keep_alive) {
      local_.set(bhttp::field::connection, "close");
    } else if (exchange_.client_version == 10) {
      local_.set(bhttp::field::connection, "keep-alive");
    }
  } else {
    http::MakeLocalResponse(local_, status, exchange_.client_version, keep_alive,
                            worker_.date().Now());
  }
  if (kind == LocalKind::kRedirect) local_.set(bhttp::field::location, location_);
  if (kind == LocalKind::kFinalRecipient) {
    local_.set(bhttp::field::allow, "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH");
  }
  if (exchange_.head) local_.body().clear();
  ErrorCode ec;
  client_deadline_.Arm(worker_.options().send_timeout);
  co_await bhttp::async_write(client_, local_, WithError(ec));
  client_deadline_.Disarm();
  exchange_.response_started = true;
  if (!keep_alive) linger_ = true;
  co_return !ec && keep_alive;
}

Awaitable<bool> HttpSession::FailUpstream(int status, stats::UpstreamError error) {
  if (error != UpstreamError::kCount) worker_.stats().RecordUpstreamError(error);
  if (exchange_.response_started || closing_) co_return false;
  co_return co_await SendLocal(status, exchange_.keep_alive && request_->is_done());
}

Awaitable<void> HttpSession::LingeringClose() {
  // Closing with unread input makes the kernel send a reset, which can
  // destroy the response still in flight; read what the client still sends
  // (bounded) after half-closing.
  // On TLS the close_notify went out first; what the client still sends is
  // read from the TCP socket and discarded undecrypted.
  ErrorCode ec;
  Socket& socket = client_.socket();
  socket.shutdown(Socket::shutdown_send, ec);
  if (ec) co_return;
  phase_ = Phase::kClosing;
  client_deadline_.Arm(kLingerTimeout);
  uint64_t total = 0;
  while (total < kMaxLingerBytes) {
    size_t n = co_await socket.async_read_some(
        asio::buffer(body_buffer_.get(), worker_.options().io_buffer_bytes), WithError(ec));
    if (ec) break;
    total += n;
  }
  client_deadline_.Disarm();
}

void HttpSession::Record() {
  const auto& action = exchange_.action;
  worker_.stats().RecordRequest(
      action ? std::string_view(action->name()) : std::string_view(),
      exchange_.backend ? std::string_view(exchange_.backend->name()) : std::string_view(),
      exchange_.status, Seconds(Clock::now() - exchange_.start));
  exchange_.status = 0;
}

}  // namespace atrium::server

namespace atrium::server {

void HttpSession::MaybeMirror(const ir::Filters& filters) {
  for (const auto& mirror : filters.mirrors) {
    StartMirror(client_.get_executor(), worker_.random(), mirror, request_->get(),
                worker_.options().upstream_read_timeout);
  }
}

}  // namespace atrium::server
