#pragma once

// TLS test support: certificates made at test time with OpenSSL (no files
// checked in), a blocking OpenSSL client with full control over SNI,
// versions, ALPN and session resumption, and a harness that serves a route
// configuration with TLS listeners on loopback port 0. Every wait has a
// deadline; everything started is stopped by its destructor.

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "controller/ir/route_config.h"
#include "proxy/server/proxy_options.h"
#include "proxy/server/proxy_server.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/table_publisher.h"
#include "tests/proxy/server/proxy_test_support.h"

namespace atrium::testing {

using namespace std::chrono_literals;
using TlsResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct CertificateSpec {
  std::string common_name = "example.com";
  std::vector<std::string> dns_names;  // subjectAltName; empty: none
  // Validity relative to now, in seconds.
  int64_t not_before = -3600;
  int64_t not_after = int64_t{30} * 24 * 3600;
  bool rsa = false;  // default: EC P-256
};

struct TestCertificate {
  std::string certificate_pem;
  std::string key_pem;
};

// MakeCertificate makes a self-signed certificate and its key.
TestCertificate MakeCertificate(const CertificateSpec& spec);

// Base64 encodes text (for Secret data).
std::string Base64(std::string_view text);

struct TlsClientOptions {
  std::string address = "127.0.0.1";
  std::string server_name;  // SNI; empty: none sent
  int min_version = 0;      // e.g. TLS1_2_VERSION; 0: library default
  int max_version = 0;
  std::vector<std::string> alpn = {"http/1.1"};
  SSL_SESSION* session = nullptr;  // offered for resumption (not owned)
  bool allow_legacy = false;       // security level 0, so TLS 1.0/1.1 can be offered
};

// TlsClient is one blocking TLS connection.
class TlsClient {
 public:
  TlsClient();
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Connect connects and handshakes within timeout; false (with error())
  // when either fails.
  bool Connect(uint16_t port, const TlsClientOptions& options,
               std::chrono::milliseconds timeout = 10s);
  const std::string& error() const { return error_; }

  // PeerCommonName is the CN of the server's leaf certificate.
  std::string PeerCommonName() const;
  std::string Alpn() const;
  int Version() const;
  bool SessionReused() const;
  // TakeSession returns the session for resumption (caller frees with
  // SSL_SESSION_free); read a response first so TLS 1.3 tickets arrived.
  SSL_SESSION* TakeSession() const;

  // Get sends a GET with Host and reads the response.
  std::optional<TlsResponse> Get(std::string_view path, std::string_view host,
                                 std::chrono::milliseconds timeout = 10s);
  // WaitClosed is true when the server ends the connection before timeout.
  bool WaitClosed(std::chrono::milliseconds timeout = 10s);

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string error_;
  std::string buffer_;
};

// ConnectRaw opens a plain TCP connection (for handshake timeouts); -1 on
// failure. The caller closes it.
int ConnectRaw(const std::string& address, uint16_t port);
// WaitPeerClosed is true when fd reads EOF or an error before timeout.
bool WaitPeerClosed(int fd, std::chrono::milliseconds timeout);

// TlsListener is a listener on address, bind port 0 (spec port 443) with
// certificates and hosts.
ir::Listener TlsListener(std::string address, std::vector<ir::TlsCertificate> certificates,
                         std::vector<ir::VirtualHost> hosts);
ir::TlsCertificate IrCertificate(const TestCertificate& certificate,
                                 std::vector<std::string> hostnames);

server::ProxyOptions TlsTestOptions();

// TlsHarness is a ProxyHarness whose Publish returns the compile errors
// (certificates left out) instead of failing the test.
class TlsHarness : public ProxyHarness {
 public:
  explicit TlsHarness(server::ProxyOptions options = TlsTestOptions())
      : ProxyHarness(std::move(options)) {}
  std::vector<std::string> Publish(const ir::RouteConfig& config) {
    return PublishAllowingErrors(config);
  }
  // Port bound for the TLS listener (spec port 443) at address with bind port 0.
  uint16_t Port(const std::string& address) const {
    return BoundPort(table::ListenerKey{address, 0, 443, true});
  }
};

}  // namespace atrium::testing
