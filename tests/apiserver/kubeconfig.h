#pragma once

// Kubeconfig files for clients of the test API server: kubectl and Atrium's
// own client read the same file. Rendered with yaml-cpp.

#include <string>

namespace atrium::testing {

struct KubeconfigOptions {
  std::string context = "atrium-test";
  std::string namespace_name = "default";
  // Reference the token as tokenFile (written next to the kubeconfig as
  // PATH.token) instead of inlining it.
  bool token_file = false;
  // HTTPS only: trust the server with insecure-skip-tls-verify instead of
  // certificate-authority-data.
  bool insecure_skip_tls_verify = false;
  // HTTPS only: reference the CA as a file (PATH.ca.crt) instead of inlining it.
  bool ca_file = false;
};

struct KubeconfigTarget {
  std::string server;  // "http://127.0.0.1:PORT" or "https://..."
  std::string token;   // empty: no user credentials
  std::string ca_pem;  // empty for plain HTTP
};

// WriteKubeconfig writes path (and the side files options ask for); false
// with *error when a file cannot be written.
bool WriteKubeconfig(const std::string& path, const KubeconfigTarget& target,
                     const KubeconfigOptions& options, std::string* error);

}  // namespace atrium::testing
