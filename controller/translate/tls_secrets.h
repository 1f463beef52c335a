#pragma once

// Reading a certificate and key out of a kubernetes.io/tls Secret. Secrets
// served by the API server carry base64 "data"; Secrets in manifest files may
// use plain "stringData" instead (the API server would have merged it into
// data), so both are read.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "controller/state/cluster_state.h"

namespace atrium::translate {

struct TlsKeyPair {
  std::string certificate_pem;
  std::string private_key_pem;
};

struct TlsSecretResult {
  std::optional<TlsKeyPair> key_pair;
  std::string error;  // why the Secret is unusable, when key_pair is empty
};

// CertificateCheck returns why a PEM certificate/key pair is unusable, or ""
// when it is fine (see Options::certificate_error).
using CertificateCheck =
    std::function<std::string(const std::string& certificate_pem, const std::string& key_pem)>;

// LoadTlsSecret finds secret ns/name and validates it: tls.crt and tls.key
// present, and PEM blocks of a certificate and a private key. check, when set,
// validates further (e.g. with OpenSSL in the process that wires it).
TlsSecretResult LoadTlsSecret(const state::ObjectMap& secrets, std::string_view ns,
                              std::string_view name, const CertificateCheck& check);

// DecodeBase64 decodes standard base64 (with or without padding, ignoring
// whitespace); nullopt when text is not base64.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace atrium::translate
