#pragma once

// ServerContext is the one OpenSSL server context every TLS listener of the
// process shares: TLS 1.2 and 1.3 only, a modern cipher list, ALPN
// "http/1.1", stateless session tickets (one ticket key for all workers, so
// a ticket issued by one worker resumes on another), and a client hello
// callback that picks each connection's certificate by SNI.
//
// The certificate is not stored here: the callback asks a CertificateSource
// (the proxy reads it from the RCU-published route table), so a rotated
// Secret reaches the next handshake as soon as its table is published, and
// nothing on the handshake path takes a lock of ours.
//
// Threading: construct once; handshakes on any number of threads use it
// concurrently. Lifetime: outlives every connection made from it.

// Boost 1.74 with GCC 12: <utility> must precede Asio's headers.
#include <utility>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>

#include "proxy/tls/server_certificate.h"

namespace atrium::tls {

// HandshakeOrigin is the socket a connection was accepted on. The session
// owns it for the whole handshake and attaches it to its SSL (SetOrigin).
struct HandshakeOrigin {
  std::string address;  // the listener's bind address ("" = all)
  uint16_t bind_port = 0;
};

// CertificateSource returns the certificate for a handshake on origin with
// server_name ("" without SNI), or nullptr when there is none. Called on
// the thread running the handshake; it must not block.
using CertificateSource = std::function<std::shared_ptr<const ServerCertificate>(
    const HandshakeOrigin& origin, std::string_view server_name)>;

class ServerContext {
 public:
  explicit ServerContext(CertificateSource source);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  boost::asio::ssl::context& asio_context() { return context_; }

  // SetOrigin attaches origin to ssl before its handshake; origin must
  // outlive the handshake.
  static void SetOrigin(SSL* ssl, const HandshakeOrigin* origin);

  // ServerName parses the SNI host_name out of a ClientHello extension body
  // ("" when absent or malformed). Exposed for tests.
  static std::string_view ServerName(const unsigned char* data, size_t size);

 private:
  static int OnClientHello(SSL* ssl, int* alert, void* arg);
  boost::asio::ssl::context context_;
  CertificateSource source_;
};

}  // namespace atrium::tls
