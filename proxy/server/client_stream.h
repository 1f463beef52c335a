#pragma once

// ClientStream is a client connection that is either plain TCP or TLS
// (OpenSSL through asio::ssl::stream), chosen once when the connection is
// accepted. It is an AsyncReadStream and AsyncWriteStream, so Beast's parser
// and serializer and asio::async_write work on it unchanged; each operation
// costs one branch on the kind.
//
// Threading: like the socket it wraps, it belongs to one worker thread.

// Boost 1.74 with GCC 12: <utility> must precede Asio's coroutine headers.
#include <utility>

#include <optional>

#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "proxy/server/asio_types.h"

namespace atrium::server {

class ClientStream {
 public:
  using executor_type = Executor;
  using TlsStream = asio::ssl::stream<Socket>;

  explicit ClientStream(Socket socket) : plain_(std::in_place, std::move(socket)) {}
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  // StartTls wraps the socket in a TLS stream made from context; the
  // handshake is then the caller's (tls()->async_handshake).
  void StartTls(asio::ssl::context& context) {
    tls_.emplace(std::move(*plain_), context);
    plain_.reset();
  }

  bool is_tls() const { return tls_.has_value(); }
  TlsStream* tls() { return tls_ ? &*tls_ : nullptr; }
  // socket is the TCP socket underneath (options, addresses, close).
  Socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  executor_type get_executor() { return socket().get_executor(); }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(ErrorCode, size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            plain_->async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(ErrorCode, size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            plain_->async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  std::optional<Socket> plain_;
  std::optional<TlsStream> tls_;
};

}  // namespace atrium::server
