#include "controller/kube/kube_config.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace atrium::kube {
namespace {

std::string Quote(const std::string& text) { return "\"" + text + "\""; }

std::string Trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Entry finds the element of a named list (clusters, users, contexts) whose
// name is name, and returns its inner map (the "cluster", "user" or
// "context" field).
std::optional<YAML::Node> Entry(const YAML::Node& root, const char* list, const char* inner,
                                const std::string& name) {
  const YAML::Node entries = root[list];
  if (!entries || !entries.IsSequence()) return std::nullopt;
  for (const YAML::Node& entry : entries) {
    if (!entry.IsMap() || !entry["name"] || entry["name"].as<std::string>() != name) continue;
    YAML::Node value = entry[inner];
    if (!value || value.IsNull()) return YAML::Node(YAML::NodeType::Map);
    return value;
  }
  return std::nullopt;
}

std::string String(const YAML::Node& map, const char* key) {
  const YAML::Node value = map[key];
  if (!value || value.IsNull()) return "";
  return value.as<std::string>();
}

// Material reads a PEM or token that is given inline as base64 (KEY-data)
// or as a file (KEY). Returns false with *error on failure; *out stays empty
// when neither is set.
bool Material(const YAML::Node& map, const std::string& key, const std::string& owner,
              const std::string& base_dir, const FileReader& read_file, std::string* out,
              std::string* error) {
  const std::string data = String(map, (key + "-data").c_str());
  if (!data.empty()) {
    std::optional<std::string> decoded = DecodeBase64(data);
    if (!decoded) {
      *error = key + "-data of " + owner + " is not valid base64";
      return false;
    }
    *out = std::move(*decoded);
    return true;
  }
  const std::string path = String(map, key.c_str());
  if (path.empty()) return true;
  const std::string resolved = Resolve(base_dir, path);
  std::optional<std::string> content = read_file(resolved);
  if (!content) {
    *error = "cannot read " + key + " file " + resolved + " of " + owner;
    return false;
  }
  *out = std::move(*content);
  return true;
}

bool ValidServer(const std::string& server) {
  return server.rfind("https://", 0) == 0 || server.rfind("http://", 0) == 0;
}

std::string WithoutTrailingSlash(std::string server) {
  while (server.size() > 1 && server.back() == '/') server.pop_back();
  return server;
}

ConfigResult Fail(std::string error) { return ConfigResult{std::nullopt, std::move(error)}; }

ConfigResult ParseParsed(const YAML::Node& root, const std::string& base_dir,
                         const FileReader& read_file, const std::string& wanted_context) {
  if (!root.IsMap()) return Fail("kubeconfig is not a YAML map");
  std::string context_name = wanted_context;
  if (context_name.empty()) context_name = String(root, "current-context");
  if (context_name.empty()) return Fail("kubeconfig has no current-context");
  std::optional<YAML::Node> context = Entry(root, "contexts", "context", context_name);
  if (!context) return Fail("context " + Quote(context_name) + " not found in kubeconfig");

  const std::string cluster_name = String(*context, "cluster");
  if (cluster_name.empty()) return Fail("context " + Quote(context_name) + " names no cluster");
  std::optional<YAML::Node> cluster = Entry(root, "clusters", "cluster", cluster_name);
  if (!cluster) {
    return Fail("cluster " + Quote(cluster_name) + " of context " + Quote(context_name) +
                " not found in kubeconfig");
  }

  KubeConfig config;
  config.context = context_name;
  config.source = "kubeconfig (context " + context_name + ")";
  const std::string cluster_owner = "cluster " + Quote(cluster_name);
  config.server = WithoutTrailingSlash(String(*cluster, "server"));
  if (config.server.empty()) return Fail(cluster_owner + " has no server");
  if (!ValidServer(config.server)) {
    return Fail("server " + Quote(config.server) + " of " + cluster_owner +
                " is not an http:// or https:// URL");
  }
  if (const YAML::Node insecure = (*cluster)["insecure-skip-tls-verify"]; insecure) {
    config.insecure_skip_tls_verify = insecure.as<bool>();
  }
  std::string error;
  if (!Material(*cluster, "certificate-authority", cluster_owner, base_dir, read_file,
                &config.ca_pem, &error)) {
    return Fail(error);
  }

  const std::string user_name = String(*context, "user");
  if (!user_name.empty()) {
    std::optional<YAML::Node> user = Entry(root, "users", "user", user_name);
    if (!user) {
      return Fail("user " + Quote(user_name) + " of context " + Quote(context_name) +
                  " not found in kubeconfig");
    }
    const std::string user_owner = "user " + Quote(user_name);
    if ((*user)["exec"] && !(*user)["exec"].IsNull()) {
      return Fail(user_owner +
                  " uses an exec credential plugin, which Atrium does not support; use a "
                  "token, tokenFile or client certificate");
    }
    if ((*user)["auth-provider"] && !(*user)["auth-provider"].IsNull()) {
      return Fail(user_owner +
                  " uses an auth-provider, which Atrium does not support; use a token, "
                  "tokenFile or client certificate");
    }
    if (!String(*user, "username").empty() || !String(*user, "password").empty()) {
      return Fail(user_owner + " uses basic authentication, which Kubernetes no longer supports");
    }
    if (!Material(*user, "client-certificate", user_owner, base_dir, read_file,
                  &config.client_cert_pem, &error) ||
        !Material(*user, "client-key", user_owner, base_dir, read_file, &config.client_key_pem,
                  &error)) {
      return Fail(error);
    }
    if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
      return Fail(user_owner + " has a client certificate without a key, or a key without a " +
                  "certificate");
    }
    config.token = String(*user, "token");
    const std::string token_file = String(*user, "tokenFile");
    if (!token_file.empty()) {
      config.token_file = Resolve(base_dir, token_file);
      if (!read_file(config.token_file)) {
        return Fail("cannot read tokenFile " + config.token_file + " of " + user_owner);
      }
    }
  }
  const std::string ns = String(*context, "namespace");
  if (!ns.empty()) config.ns = ns;
  return ConfigResult{std::move(config), ""};
}

}  // namespace

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return content.str();
}

std::optional<std::string> GetEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  if (compact.size() % 4 != 0) return std::nullopt;
  if (compact.empty()) return std::string();
  size_t padding = 0;
  if (compact.back() == '=') ++padding;
  if (compact.size() >= 2 && compact[compact.size() - 2] == '=') ++padding;
  // '=' is only valid as trailing padding; EVP_DecodeBlock would accept it
  // elsewhere.
  if (compact.find('=') < compact.size() - padding) return std::nullopt;
  std::string out(compact.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(compact.data()),
                               static_cast<int>(compact.size()));
  if (length < 0) return std::nullopt;
  out.resize(static_cast<size_t>(length) - padding);
  return out;
}

ConfigResult ParseKubeconfig(std::string_view text, const std::string& base_dir,
                             const FileReader& read_file, const std::string& context) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root || root.IsNull()) return Fail("kubeconfig is empty");
    return ParseParsed(root, base_dir, read_file, context);
  } catch (const YAML::Exception& e) {
    return Fail(std::string("kubeconfig is not valid: ") + e.what());
  }
}

ConfigResult LoadKubeconfig(const std::string& path, const FileReader& read_file) {
  std::optional<std::string> text = read_file(path);
  if (!text) return Fail("cannot read kubeconfig " + path);
  ConfigResult result = ParseKubeconfig(*text, DirName(path), read_file);
  if (result.config) {
    result.config->source = "kubeconfig " + path + " (context " + result.config->context + ")";
  } else {
    result.error = path + ": " + result.error;
  }
  return result;
}

ConfigResult InClusterConfig(const std::string& root, const EnvReader& env,
                             const FileReader& read_file) {
  std::optional<std::string> host = env("KUBERNETES_SERVICE_HOST");
  std::optional<std::string> port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return Fail(
        "not running in a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are "
        "unset) and no --kubeconfig given");
  }
  const std::string dir = root + std::string(kServiceAccountDir);
  KubeConfig config;
  config.source = "in-cluster";
  // An IPv6 service host needs brackets in a URL.
  const bool ipv6 = host->find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  config.token_file = dir + "/token";
  if (!read_file(config.token_file)) {
    return Fail("cannot read the service account token " + config.token_file);
  }
  std::optional<std::string> ca = read_file(dir + "/ca.crt");
  if (!ca) return Fail("cannot read the service account CA " + dir + "/ca.crt");
  config.ca_pem = std::move(*ca);
  if (std::optional<std::string> ns = read_file(dir + "/namespace")) {
    std::string trimmed = Trim(*ns);
    if (!trimmed.empty()) config.ns = std::move(trimmed);
  }
  return ConfigResult{std::move(config), ""};
}

ConfigResult LoadConfig(const std::string& kubeconfig_path) {
  if (!kubeconfig_path.empty()) return LoadKubeconfig(kubeconfig_path);
  return InClusterConfig();
}

}  // namespace atrium::kube
