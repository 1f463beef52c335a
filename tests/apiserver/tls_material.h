#pragma once

// TlsMaterial is a throwaway PKI for serving HTTPS on loopback: a CA
// certificate (what kubeconfig's certificate-authority-data carries) and a
// server certificate it signed for 127.0.0.1 and localhost. Generated with
// OpenSSL at Start; nothing is written to disk unless a test asks.
//
// Immutable after generation; safe to share between threads.

#include <memory>
#include <optional>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace atrium::testing {

struct TlsMaterial {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  std::shared_ptr<X509> cert;
  std::shared_ptr<EVP_PKEY> key;
};

// GenerateTlsMaterial returns a fresh CA and server certificate (EC P-256,
// valid from an hour ago for a year), or nullopt with *error.
std::optional<TlsMaterial> GenerateTlsMaterial(std::string* error);

}  // namespace atrium::testing
