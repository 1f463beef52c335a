#include "tls_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

namespace atrium::testing {
namespace {

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

void SetTimeouts(int fd, std::chrono::milliseconds timeout) {
  if (timeout < 1ms) timeout = 1ms;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

std::string OpenSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    text += (text.empty() ? "" : "; ") + std::string(buffer);
  }
  return text;
}

}  // namespace

TestCertificate MakeCertificate(const CertificateSpec& spec) {
  EVP_PKEY* key = spec.rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  X509* x509 = X509_new();
  X509_set_version(x509, 2);
  unsigned char serial[8];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x509), static_cast<long>(spec.not_before));
  X509_gmtime_adj(X509_getm_notAfter(x509), static_cast<long>(spec.not_after));
  X509_NAME* name = X509_get_subject_name(x509);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(x509, name);
  X509_set_pubkey(x509, key);
  if (!spec.dns_names.empty()) {
    std::string value;
    for (const std::string& dns : spec.dns_names) value += (value.empty() ? "DNS:" : ",DNS:") + dns;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x509, x509, nullptr, nullptr, 0);
    X509_EXTENSION* extension =
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, value.c_str());
    X509_add_ext(x509, extension, -1);
    X509_EXTENSION_free(extension);
  }
  X509_sign(x509, key, EVP_sha256());
  TestCertificate result;
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x509);
  result.certificate_pem = BioText(cert_bio);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  result.key_pem = BioText(key_bio);
  BIO_free(key_bio);
  X509_free(x509);
  EVP_PKEY_free(key);
  return result;
}

std::string Base64(std::string_view text) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(text[i]) << 16) | (static_cast<uint8_t>(text[i + 1]) << 8) |
                 static_cast<uint8_t>(text[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (i + 1 == text.size()) {
    uint32_t v = static_cast<uint8_t>(text[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == text.size()) {
    uint32_t v = (static_cast<uint8_t>(text[i]) << 16) | (static_cast<uint8_t>(text[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

TlsClient::TlsClient() = default;

TlsClient::~TlsClient() {
  if (ssl_ != nullptr) {
    // A polite close_notify: OpenSSL marks the session of a connection freed
    // without one as not resumable.
    if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
    ERR_clear_error();
    SSL_free(ssl_);
  }
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

int ConnectRaw(const std::string& address, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WaitPeerClosed(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return true;
  }
}

bool TlsClient::Connect(uint16_t port, const TlsClientOptions& options,
                        std::chrono::milliseconds timeout) {
  fd_ = ConnectRaw(options.address, port);
  if (fd_ < 0) {
    error_ = "connect failed";
    return false;
  }
  SetTimeouts(fd_, timeout);
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (options.allow_legacy) {
    SSL_CTX_set_security_level(ctx_, 0);
    SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
  }
  if (options.min_version != 0) SSL_CTX_set_min_proto_version(ctx_, options.min_version);
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  ssl_ = SSL_new(ctx_);
  if (!options.alpn.empty()) {
    std::string wire;
    for (const std::string& protocol : options.alpn) {
      wire.push_back(static_cast<char>(protocol.size()));
      wire += protocol;
    }
    SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned int>(wire.size()));
  }
  if (!options.server_name.empty()) SSL_set_tlsext_host_name(ssl_, options.server_name.c_str());
  if (options.session != nullptr) SSL_set_session(ssl_, options.session);
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    error_ = "handshake failed: " + OpenSslErrors();
    return false;
  }
  return true;
}

std::string TlsClient::PeerCommonName() const {
  X509* peer = SSL_get1_peer_certificate(ssl_);
  if (peer == nullptr) return "";
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof(name));
  X509_free(peer);
  return name;
}

std::string TlsClient::Alpn() const {
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &data, &length);
  return std::string(reinterpret_cast<const char*>(data), length);
}

int TlsClient::Version() const { return SSL_version(ssl_); }
bool TlsClient::SessionReused() const { return SSL_session_reused(ssl_) == 1; }
SSL_SESSION* TlsClient::TakeSession() const { return SSL_get1_session(ssl_); }

std::optional<TlsResponse> TlsClient::Get(std::string_view path, std::string_view host,
                                          std::chrono::milliseconds timeout) {
  std::string request =
      "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n";
  SetTimeouts(fd_, timeout);
  size_t sent = 0;
  while (sent < request.size()) {
    int n = SSL_write(ssl_, request.data() + sent, static_cast<int>(request.size() - sent));
    if (n <= 0) return std::nullopt;
    sent += static_cast<size_t>(n);
  }
  boost::beast::http::response_parser<boost::beast::http::string_body> parser;
  parser.eager(true);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!buffer_.empty()) {
      boost::system::error_code ec;
      size_t used = parser.put(boost::asio::buffer(buffer_.data(), buffer_.size()), ec);
      buffer_.erase(0, used);
      if (parser.is_done()) return parser.release();
      if (ec && ec != boost::beast::http::error::need_more) return std::nullopt;
      if (used > 0 && !buffer_.empty()) continue;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    char chunk[16384];
    int n = SSL_read(ssl_, chunk, sizeof(chunk));
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

bool TlsClient::WaitClosed(std::chrono::milliseconds timeout) {
  SetTimeouts(fd_, timeout);
  char chunk[4096];
  for (;;) {
    int n = SSL_read(ssl_, chunk, sizeof(chunk));
    if (n > 0) continue;
    int error = SSL_get_error(ssl_, n);
    ERR_clear_error();
    if (error == SSL_ERROR_ZERO_RETURN) return true;
    if (error == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    return true;
  }
}

ir::Listener TlsListener(std::string address, std::vector<ir::TlsCertificate> certificates,
                         std::vector<ir::VirtualHost> hosts) {
  ir::Listener listener;
  listener.address = std::move(address);
  listener.port = 443;
  listener.bind_port = 0;
  listener.tls = true;
  listener.certificates = std::move(certificates);
  listener.virtual_hosts.assign(hosts.begin(), hosts.end());
  return listener;
}

ir::TlsCertificate IrCertificate(const TestCertificate& certificate,
                                 std::vector<std::string> hostnames) {
  ir::TlsCertificate result;
  result.hostnames = std::move(hostnames);
  result.certificate_pem = certificate.certificate_pem;
  result.private_key_pem = certificate.key_pem;
  return result;
}

server::ProxyOptions TlsTestOptions() {
  server::ProxyOptions options = TestOptions();
  options.tls_handshake_timeout = 5s;
  return options;
}

}  // namespace atrium::testing
