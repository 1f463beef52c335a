#include "proxy/tls/server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>

#include <cstring>

namespace atrium::tls {
namespace {

// TLS 1.2 suites: ECDHE with AEAD only (Mozilla's "intermediate" list
// without finite-field DHE). TLS 1.3 keeps OpenSSL's default suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};

int OriginIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// SelectAlpn accepts http/1.1 when offered. Without a protocol in common the
// handshake goes on without ALPN (as nginx does) rather than failing.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
               unsigned int in_length, void*) {
  unsigned int i = 0;
  while (i < in_length) {
    unsigned int length = in[i];
    if (i + 1 + length > in_length) break;
    if (length == sizeof(kHttp11) && std::memcmp(in + i + 1, kHttp11, length) == 0) {
      *out = in + i + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + length;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// AcknowledgeServerName accepts the SNI the client hello callback already
// used. Acknowledging it also records the name in the session, which TLS 1.3
// resumption checks against the name of the resuming handshake.
int AcknowledgeServerName(SSL*, int*, void*) { return SSL_TLSEXT_ERR_OK; }

}  // namespace

ServerContext::ServerContext(CertificateSource source)
    : context_(boost::asio::ssl::context::tls_server), source_(std::move(source)) {
  SSL_CTX* ctx = context_.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_SINGLE_ECDH_USE | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_cipher_list(ctx, kTls12Ciphers);
  // Resumption through stateless tickets only: no server-side session cache
  // (and so no cache lock shared by the workers). One ticket per handshake
  // is enough for a client that reconnects.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 1);
  static constexpr unsigned char kSessionContext[] = "atrium";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
  SSL_CTX_set_client_hello_cb(ctx, OnClientHello, this);
  SSL_CTX_set_tlsext_servername_callback(ctx, AcknowledgeServerName);
  ERR_clear_error();
}

ServerContext::~ServerContext() = default;

void ServerContext::SetOrigin(SSL* ssl, const HandshakeOrigin* origin) {
  SSL_set_ex_data(ssl, OriginIndex(), const_cast<HandshakeOrigin*>(origin));
}

std::string_view ServerContext::ServerName(const unsigned char* data, size_t size) {
  // server_name extension: ServerNameList length (2), then entries of
  // type (1), length (2), name.
  if (size < 2) return {};
  size_t list = (static_cast<size_t>(data[0]) << 8) | data[1];
  if (list + 2 > size) return {};
  size_t i = 2;
  while (i + 3 <= 2 + list) {
    unsigned char type = data[i];
    size_t length = (static_cast<size_t>(data[i + 1]) << 8) | data[i + 2];
    i += 3;
    if (i + length > 2 + list) return {};
    if (type == TLSEXT_NAMETYPE_host_name) {
      std::string_view name(reinterpret_cast<const char*>(data + i), length);
      if (name.find('\0') != std::string_view::npos) return {};
      return name;
    }
    i += length;
  }
  return {};
}

int ServerContext::OnClientHello(SSL* ssl, int* alert, void* arg) {
  auto* self = static_cast<ServerContext*>(arg);
  const auto* origin = static_cast<const HandshakeOrigin*>(SSL_get_ex_data(ssl, OriginIndex()));
  if (origin == nullptr) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  const unsigned char* extension = nullptr;
  size_t length = 0;
  std::string_view server_name;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &extension, &length) == 1) {
    server_name = ServerName(extension, length);
  }
  std::shared_ptr<const ServerCertificate> certificate = self->source_(*origin, server_name);
  if (certificate == nullptr || !certificate->Apply(ssl)) {
    ERR_clear_error();
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

}  // namespace atrium::tls
