#pragma once

// KubeConfig is how Atrium reaches the API server: where it is, how to trust
// it and how to authenticate. It comes from a kubeconfig file (--kubeconfig)
// or, without one, from the in-cluster service account.
//
// Parsing is pure: text (and a file reader for the paths the text names) in,
// a config or a clear error out, so every broken case is a unit test. Paths
// inside a kubeconfig are relative to the kubeconfig's own folder, as with
// kubectl.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace atrium::kube {

struct KubeConfig {
  // Base URL of the API server, without a trailing slash
  // ("https://10.0.0.1:443", "http://127.0.0.1:8080", or with a path prefix).
  std::string server;
  // PEM bundle that signs the server's certificate; empty: the system store.
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  // Client certificate and key (PEM) for mutual TLS; both or neither.
  std::string client_cert_pem;
  std::string client_key_pem;
  // Bearer token: token itself, or token_file re-read when it changes
  // (projected service-account tokens rotate). token_file wins when both are
  // set, as in client-go.
  std::string token;
  std::string token_file;
  // The context's namespace (kubeconfig) or the service account's namespace
  // (in-cluster); "default" when neither says.
  std::string ns = "default";
  // The kubeconfig context used ("" in-cluster).
  std::string context;
  // Where the config came from, for log lines ("kubeconfig PATH (context C)",
  // "in-cluster").
  std::string source;
};

// FileReader returns the contents of path, or nullopt when it cannot be read.
using FileReader = std::function<std::optional<std::string>(const std::string& path)>;

// ReadFile is the FileReader that reads the real filesystem.
std::optional<std::string> ReadFile(const std::string& path);

struct ConfigResult {
  std::optional<KubeConfig> config;
  std::string error;  // set when config is empty
};

// ParseKubeconfig reads kubeconfig text: the current context (or context
// when not empty), its cluster (server, certificate-authority[-data],
// insecure-skip-tls-verify) and user (client-certificate[-data],
// client-key[-data], token, tokenFile), and the context's namespace. base_dir
// resolves relative paths. Exec plugins and auth providers are refused with
// an error naming them.
ConfigResult ParseKubeconfig(std::string_view text, const std::string& base_dir,
                             const FileReader& read_file = ReadFile,
                             const std::string& context = "");

// LoadKubeconfig reads the file at path and parses it.
ConfigResult LoadKubeconfig(const std::string& path, const FileReader& read_file = ReadFile);

// EnvReader returns an environment variable, or nullopt when unset.
using EnvReader = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> GetEnv(const std::string& name);

// kServiceAccountDir is where Kubernetes mounts the service account.
inline constexpr std::string_view kServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// InClusterConfig builds the config of a pod: KUBERNETES_SERVICE_HOST/PORT,
// and the service account's token (as token_file, so rotation is followed),
// ca.crt and namespace under root + kServiceAccountDir. root is "" in
// production; tests point it at a temporary folder.
ConfigResult InClusterConfig(const std::string& root = "", const EnvReader& env = GetEnv,
                             const FileReader& read_file = ReadFile);

// LoadConfig is what the process uses: the kubeconfig at path when path is
// not empty, the in-cluster config otherwise.
ConfigResult LoadConfig(const std::string& kubeconfig_path);

// DecodeBase64 decodes standard base64 (whitespace ignored, padding
// required); nullopt when text is not valid base64.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace atrium::kube
