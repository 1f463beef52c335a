#include "controller/translate/tls_secrets.h"

#include "controller/translate/input.h"

namespace atrium::translate {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// SecretValue reads key from data (base64) or stringData (plain).
std::optional<std::string> SecretValue(const nlohmann::json& secret, const std::string& key,
                                       std::string* error) {
  if (std::optional<std::string> plain =
          OptString(Object(secret, "stringData", ""), key, "stringData")) {
    return plain;
  }
  std::optional<std::string> encoded = OptString(Object(secret, "data", ""), key, "data");
  if (!encoded) return std::nullopt;
  std::optional<std::string> decoded = DecodeBase64(*encoded);
  if (!decoded) *error = "data." + key + " is not valid base64";
  return decoded;
}

bool HasPemBlock(const std::string& pem, std::string_view label_part) {
  size_t begin = pem.find("-----BEGIN ");
  while (begin != std::string::npos) {
    size_t line_end = pem.find("-----", begin + 11);
    if (line_end == std::string::npos) return false;
    std::string_view label(pem.data() + begin + 11, line_end - begin - 11);
    if (label.find(label_part) != std::string_view::npos &&
        pem.find("-----END " + std::string(label) + "-----", line_end) != std::string::npos) {
      return true;
    }
    begin = pem.find("-----BEGIN ", line_end);
  }
  return false;
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    int value = Base64Value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (padding > 2 || bits >= 6) return std::nullopt;
  return out;
}

TlsSecretResult LoadTlsSecret(const state::ObjectMap& secrets, std::string_view ns,
                              std::string_view name, const CertificateCheck& check) {
  TlsSecretResult result;
  auto it = secrets.find(std::string(ns) + "/" + std::string(name));
  if (it == secrets.end()) {
    result.error = "Secret " + std::string(ns) + "/" + std::string(name) + " does not exist";
    return result;
  }
  const nlohmann::json& secret = it->second;
  try {
    std::string type = String(secret, "type", "", "Opaque");
    if (type != "kubernetes.io/tls") {
      result.error = "Secret " + std::string(ns) + "/" + std::string(name) + " has type \"" + type +
                     "\", not kubernetes.io/tls";
      return result;
    }
    std::string error;
    std::optional<std::string> cert = SecretValue(secret, "tls.crt", &error);
    std::optional<std::string> key = SecretValue(secret, "tls.key", &error);
    if (!error.empty()) {
      result.error = "Secret " + std::string(ns) + "/" + std::string(name) + ": " + error;
      return result;
    }
    if (!cert || !key) {
      result.error =
          "Secret " + std::string(ns) + "/" + std::string(name) + " lacks tls.crt or tls.key";
      return result;
    }
    if (!HasPemBlock(*cert, "CERTIFICATE") || !HasPemBlock(*key, "PRIVATE KEY")) {
      result.error = "Secret " + std::string(ns) + "/" + std::string(name) +
                     " does not hold a PEM certificate and private key";
      return result;
    }
    if (check) {
      std::string why = check(*cert, *key);
      if (!why.empty()) {
        result.error = "Secret " + std::string(ns) + "/" + std::string(name) + ": " + why;
        return result;
      }
    }
    result.key_pair = TlsKeyPair{std::move(*cert), std::move(*key)};
  } catch (const std::exception& e) {
    result.error =
        "Secret " + std::string(ns) + "/" + std::string(name) + " is malformed: " + e.what();
  }
  return result;
}

}  // namespace atrium::translate
