#include "proxy/server/request_mirror.h"

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace atrium::server {
namespace {

namespace bhttp = http::bhttp;

// MirrorCall is shared by the coroutine and its timeout handler, so either
// may finish first.
struct MirrorCall {
  explicit MirrorCall(const Executor& executor) : socket(executor), timer(executor) {}
  Socket socket;
  Timer timer;
  std::string request;
};

Awaitable<void> RunMirror(std::shared_ptr<MirrorCall> call, asio::ip::tcp::endpoint endpoint) {
  ErrorCode ec;
  co_await call->socket.async_connect(endpoint, WithError(ec));
  if (ec) co_return;
  co_await asio::async_write(call->socket, asio::buffer(call->request), WithError(ec));
  if (ec) co_return;
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  co_await bhttp::async_read_header(call->socket, buffer, parser, WithError(ec));
  call->timer.cancel();
  call->socket.close(ec);
}

void IgnoreException(const std::exception_ptr& /*error*/) {}

}  // namespace

void StartMirror(const Executor& executor, FastRandom& random, const ir::RequestMirror& mirror,
                 const http::RequestHeader& request, Clock::duration timeout) {
  if (mirror.denominator == 0 || random.Below(mirror.denominator) >= mirror.numerator) return;
  std::vector<const ir::Endpoint*> ready;
  for (const auto& endpoint : *mirror.endpoints) {
    if (endpoint.ready) ready.push_back(&endpoint);
  }
  if (ready.empty()) return;
  const ir::Endpoint& chosen = *ready[random.Below(ready.size())];
  ErrorCode ec;
  auto address = asio::ip::make_address(chosen.address, ec);
  if (ec) return;

  auto call = std::make_shared<MirrorCall>(executor);
  std::ostringstream serialized;
  serialized << request;  // Beast serializes the request line and fields
  call->request = serialized.str();
  call->timer.expires_after(timeout);
  call->timer.async_wait([call](const ErrorCode& error) {
    if (error) return;
    ErrorCode ignored;
    call->socket.close(ignored);
  });
  asio::co_spawn(executor, RunMirror(call, asio::ip::tcp::endpoint(address, chosen.port)),
                 IgnoreException);
}

}  // namespace atrium::server
