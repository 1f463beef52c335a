#pragma once

// ServerCertificate is one certificate chain and private key, parsed by
// OpenSSL once (on the writer thread, when a table is compiled) and then
// shared, read-only, by every handshake that selects it. Handing it to a
// connection (SSL_use_cert_and_key) takes references on the X509 and
// EVP_PKEY, so a connection keeps the certificate it started with after the
// table that held it is freed: a rotated Secret never touches existing
// connections.
//
// Private keys are never rendered: nothing here prints or logs one.

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace atrium::tls {

class ServerCertificate {
 public:
  ~ServerCertificate();
  ServerCertificate(const ServerCertificate&) = delete;
  ServerCertificate& operator=(const ServerCertificate&) = delete;

  // Apply makes ssl present this certificate. Any thread; never blocks.
  bool Apply(SSL* ssl) const;

  // DNS names from the certificate (subjectAltName, else the subject's CN),
  // lowercase: what a Secret without listed hosts is served for.
  const std::vector<std::string>& names() const { return names_; }
  // not_after is the expiry as seconds since the epoch.
  int64_t not_after() const { return not_after_; }
  // subject is the leaf's subject, one line (for logs and /admin output).
  const std::string& subject() const { return subject_; }

 private:
  friend struct CertificateParser;
  ServerCertificate() = default;
  X509* leaf_ = nullptr;
  EVP_PKEY* key_ = nullptr;
  STACK_OF(X509) * chain_ = nullptr;  // intermediates, may be empty
  std::vector<std::string> names_;
  int64_t not_after_ = 0;
  std::string subject_;
};

struct ParsedCertificate {
  std::shared_ptr<const ServerCertificate> certificate;
  std::string error;  // why the pair is unusable when certificate is null
};

// ParseCertificate parses a PEM chain (leaf first) and a PEM private key and
// checks that they match and that the leaf is valid at now_seconds (seconds
// since the epoch). Errors never quote key material.
ParsedCertificate ParseCertificate(const std::string& certificate_pem, const std::string& key_pem,
                                   int64_t now_seconds);

// CertificateError is translate::Options::certificate_error: "" when the
// pair is usable now, else why not (missing/mismatched key, expired, not yet
// valid, unparsable).
std::string CertificateError(const std::string& certificate_pem, const std::string& key_pem);

}  // namespace atrium::tls
