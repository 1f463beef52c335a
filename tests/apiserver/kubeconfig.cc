#include "tests/apiserver/kubeconfig.h"

#include <fstream>

#include <yaml-cpp/yaml.h>

#include "tests/apiserver/base64.h"

namespace atrium::testing {
namespace {

bool WriteFile(const std::string& path, const std::string& content, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace

bool WriteKubeconfig(const std::string& path, const KubeconfigTarget& target,
                     const KubeconfigOptions& options, std::string* error) {
  const bool tls = target.server.rfind("https://", 0) == 0;
  YAML::Node cluster;
  cluster["server"] = target.server;
  if (tls) {
    if (options.insecure_skip_tls_verify) {
      cluster["insecure-skip-tls-verify"] = true;
    } else if (options.ca_file) {
      std::string ca_path = path + ".ca.crt";
      if (!WriteFile(ca_path, target.ca_pem, error)) return false;
      cluster["certificate-authority"] = ca_path;
    } else {
      cluster["certificate-authority-data"] = Base64Encode(target.ca_pem);
    }
  }
  YAML::Node user = YAML::Node(YAML::NodeType::Map);
  if (!target.token.empty()) {
    if (options.token_file) {
      std::string token_path = path + ".token";
      if (!WriteFile(token_path, target.token, error)) return false;
      user["tokenFile"] = token_path;
    } else {
      user["token"] = target.token;
    }
  }
  YAML::Node context;
  context["cluster"] = options.context;
  context["user"] = options.context;
  context["namespace"] = options.namespace_name;

  YAML::Node config;
  config["apiVersion"] = "v1";
  config["kind"] = "Config";
  YAML::Node cluster_entry;
  cluster_entry["name"] = options.context;
  cluster_entry["cluster"] = cluster;
  config["clusters"].push_back(cluster_entry);
  YAML::Node user_entry;
  user_entry["name"] = options.context;
  user_entry["user"] = user;
  config["users"].push_back(user_entry);
  YAML::Node context_entry;
  context_entry["name"] = options.context;
  context_entry["context"] = context;
  config["contexts"].push_back(context_entry);
  config["current-context"] = options.context;
  config["preferences"] = YAML::Node(YAML::NodeType::Map);

  YAML::Emitter emitter;
  emitter << config;
  return WriteFile(path, std::string(emitter.c_str()) + "\n", error);
}

}  // namespace atrium::testing
