#include "controller/kube/kube_config.h"

#include <map>

#include <gtest/gtest.h>

namespace atrium::kube {
namespace {

// FakeFiles is a FileReader over an in-memory folder.
struct FakeFiles {
  std::map<std::string, std::string> files;
  FileReader Reader() const {
    return [this](const std::string& path) -> std::optional<std::string> {
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
  }
};

// base64 of "-----CA-----" and "-----CERT-----" and "-----KEY-----".
constexpr const char* kCaBase64 = "LS0tLS1DQS0tLS0t";
constexpr const char* kCertBase64 = "LS0tLS1DRVJULS0tLS0=";
constexpr const char* kKeyBase64 = "LS0tLS1LRVktLS0tLQ==";

std::string Kubeconfig(const std::string& cluster, const std::string& user,
                       const std::string& context_extra = "", const std::string& current = "dev") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: " + current +
         "\n"
         "clusters:\n- name: c1\n  cluster:\n" +
         cluster + "users:\n- name: u1\n  user:\n" + user +
         "contexts:\n- name: dev\n  context:\n    cluster: c1\n    user: u1\n" + context_extra;
}

TEST(KubeConfigTest, ReadsServerCaDataTokenAndNamespace) {
  FakeFiles files;
  ConfigResult result = ParseKubeconfig(
      Kubeconfig("    server: https://10.0.0.1:6443/\n    certificate-authority-data: " +
                     std::string(kCaBase64) + "\n",
                 "    token: secret-token\n", "    namespace: team-a\n"),
      "/home/me/.kube", files.Reader());
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_EQ(result.config->server, "https://10.0.0.1:6443");
  EXPECT_EQ(result.config->ca_pem, "-----CA-----");
  EXPECT_EQ(result.config->token, "secret-token");
  EXPECT_EQ(result.config->ns, "team-a");
  EXPECT_EQ(result.config->context, "dev");
  EXPECT_FALSE(result.config->insecure_skip_tls_verify);
}

TEST(KubeConfigTest, ReadsFilesRelativeToTheKubeconfigFolder) {
  FakeFiles files;
  files.files["/home/me/.kube/ca.crt"] = "CA FROM FILE";
  files.files["/home/me/.kube/client.crt"] = "CERT FROM FILE";
  files.files["/etc/keys/client.key"] = "KEY FROM FILE";
  files.files["/home/me/.kube/token"] = "file-token\n";
  ConfigResult result = ParseKubeconfig(
      Kubeconfig("    server: https://api.example.com\n    certificate-authority: ca.crt\n",
                 "    client-certificate: client.crt\n    client-key: /etc/keys/client.key\n"
                 "    tokenFile: token\n"),
      "/home/me/.kube", files.Reader());
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_EQ(result.config->ca_pem, "CA FROM FILE");
  EXPECT_EQ(result.config->client_cert_pem, "CERT FROM FILE");
  EXPECT_EQ(result.config->client_key_pem, "KEY FROM FILE");
  EXPECT_EQ(result.config->token_file, "/home/me/.kube/token");
  EXPECT_EQ(result.config->ns, "default");
}

TEST(KubeConfigTest, ReadsInlineClientCertificateAndInsecureFlag) {
  FakeFiles files;
  ConfigResult result = ParseKubeconfig(
      Kubeconfig("    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\n",
                 "    client-certificate-data: " + std::string(kCertBase64) +
                     "\n    client-key-data: " + kKeyBase64 + "\n"),
      "/x", files.Reader());
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_TRUE(result.config->insecure_skip_tls_verify);
  EXPECT_EQ(result.config->client_cert_pem, "-----CERT-----");
  EXPECT_EQ(result.config->client_key_pem, "-----KEY-----");
}

TEST(KubeConfigTest, ExplicitContextOverridesCurrentContext) {
  FakeFiles files;
  std::string text =
      Kubeconfig("    server: http://127.0.0.1:8080\n", "    token: t\n", "", "missing");
  EXPECT_FALSE(ParseKubeconfig(text, "/x", files.Reader()).config);
  ConfigResult result = ParseKubeconfig(text, "/x", files.Reader(), "dev");
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_EQ(result.config->server, "http://127.0.0.1:8080");
}

struct BrokenCase {
  const char* name;
  std::string text;
  const char* error_contains;
};

TEST(KubeConfigTest, EachBrokenCaseHasAClearError) {
  const std::string server = "    server: https://10.0.0.1\n";
  const std::vector<BrokenCase> cases = {
      {"not yaml", "clusters: [", "not valid"},
      {"empty", "", "empty"},
      {"not a map", "- a\n- b\n", "not a YAML map"},
      {"no current context", "clusters: []\nusers: []\ncontexts: []\n", "no current-context"},
      {"missing context", Kubeconfig(server, "    token: t\n", "", "prod"),
       "context \"prod\" not found"},
      {"missing cluster",
       "current-context: dev\ncontexts:\n- name: dev\n  context:\n    cluster: gone\n",
       "cluster \"gone\" of context \"dev\" not found"},
      {"context without cluster",
       "current-context: dev\ncontexts:\n- name: dev\n  context:\n    user: u1\n",
       "names no cluster"},
      {"missing user",
       "current-context: dev\nclusters:\n- name: c1\n  cluster:\n    server: https://a\n"
       "contexts:\n- name: dev\n  context:\n    cluster: c1\n    user: nobody\n",
       "user \"nobody\" of context \"dev\" not found"},
      {"no server", Kubeconfig("    insecure-skip-tls-verify: true\n", "    token: t\n"),
       "has no server"},
      {"server not a URL", Kubeconfig("    server: 10.0.0.1:6443\n", "    token: t\n"),
       "not an http:// or https:// URL"},
      {"unreadable CA file",
       Kubeconfig(server + "    certificate-authority: /nope/ca.crt\n", "    token: t\n"),
       "cannot read certificate-authority file /nope/ca.crt"},
      {"bad CA base64",
       Kubeconfig(server + "    certificate-authority-data: '!!notbase64!!'\n", "    token: t\n"),
       "certificate-authority-data of cluster \"c1\" is not valid base64"},
      {"bad client key base64",
       Kubeconfig(server, "    client-certificate-data: " + std::string(kCertBase64) +
                              "\n    client-key-data: abc\n"),
       "client-key-data of user \"u1\" is not valid base64"},
      {"certificate without key",
       Kubeconfig(server, "    client-certificate-data: " + std::string(kCertBase64) + "\n"),
       "without a key"},
      {"unreadable token file", Kubeconfig(server, "    tokenFile: /nope/token\n"),
       "cannot read tokenFile /nope/token"},
      {"exec plugin", Kubeconfig(server, "    exec:\n      command: aws\n"),
       "exec credential plugin"},
      {"auth provider", Kubeconfig(server, "    auth-provider:\n      name: gcp\n"),
       "auth-provider"},
      {"basic auth", Kubeconfig(server, "    username: admin\n    password: pw\n"),
       "basic authentication"},
      {"bad insecure flag",
       Kubeconfig(server + "    insecure-skip-tls-verify: maybe\n", "    token: t\n"), "not valid"},
  };
  FakeFiles files;
  for (const BrokenCase& broken : cases) {
    ConfigResult result = ParseKubeconfig(broken.text, "/x", files.Reader());
    EXPECT_FALSE(result.config) << broken.name;
    EXPECT_NE(result.error.find(broken.error_contains), std::string::npos)
        << broken.name << ": " << result.error;
  }
}

TEST(KubeConfigTest, LoadKubeconfigNamesTheFileInErrors) {
  FakeFiles files;
  ConfigResult missing = LoadKubeconfig("/etc/kubeconfig", files.Reader());
  EXPECT_FALSE(missing.config);
  EXPECT_EQ(missing.error, "cannot read kubeconfig /etc/kubeconfig");

  files.files["/etc/kube/config"] = Kubeconfig("    server: https://a\n", "    tokenFile: t\n");
  files.files["/etc/kube/t"] = "token";
  ConfigResult loaded = LoadKubeconfig("/etc/kube/config", files.Reader());
  ASSERT_TRUE(loaded.config) << loaded.error;
  EXPECT_EQ(loaded.config->token_file, "/etc/kube/t");
  EXPECT_EQ(loaded.config->source, "kubeconfig /etc/kube/config (context dev)");

  files.files["/etc/kube/bad"] = "current-context: x\n";
  ConfigResult bad = LoadKubeconfig("/etc/kube/bad", files.Reader());
  EXPECT_EQ(bad.error.rfind("/etc/kube/bad: ", 0), 0u) << bad.error;
}

TEST(InClusterConfigTest, ReadsEnvironmentAndServiceAccountFiles) {
  FakeFiles files;
  const std::string dir = "/root" + std::string(kServiceAccountDir);
  files.files[dir + "/token"] = "sa-token";
  files.files[dir + "/ca.crt"] = "CLUSTER CA";
  files.files[dir + "/namespace"] = "atrium-system\n";
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  EnvReader env_reader = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  ConfigResult result = InClusterConfig("/root", env_reader, files.Reader());
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_EQ(result.config->server, "https://10.96.0.1:443");
  EXPECT_EQ(result.config->token_file, dir + "/token");
  EXPECT_TRUE(result.config->token.empty());  // read per request, so rotation is followed
  EXPECT_EQ(result.config->ca_pem, "CLUSTER CA");
  EXPECT_EQ(result.config->ns, "atrium-system");

  env["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  result = InClusterConfig("/root", env_reader, files.Reader());
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_EQ(result.config->server, "https://[fd00::1]:443");

  files.files.erase(dir + "/namespace");
  result = InClusterConfig("/root", env_reader, files.Reader());
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_EQ(result.config->ns, "default");
}

TEST(InClusterConfigTest, EachBrokenCaseHasAClearError) {
  FakeFiles files;
  const std::string dir = "/root" + std::string(kServiceAccountDir);
  std::map<std::string, std::string> env;
  EnvReader env_reader = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  ConfigResult result = InClusterConfig("/root", env_reader, files.Reader());
  EXPECT_NE(result.error.find("KUBERNETES_SERVICE_HOST"), std::string::npos) << result.error;

  env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}};
  result = InClusterConfig("/root", env_reader, files.Reader());
  EXPECT_NE(result.error.find("service account token " + dir + "/token"), std::string::npos)
      << result.error;

  files.files[dir + "/token"] = "t";
  result = InClusterConfig("/root", env_reader, files.Reader());
  EXPECT_NE(result.error.find("service account CA " + dir + "/ca.crt"), std::string::npos)
      << result.error;
}

TEST(DecodeBase64Test, AcceptsValidAndRejectsInvalid) {
  EXPECT_EQ(DecodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(DecodeBase64("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(DecodeBase64("aGk="), "hi");
  EXPECT_EQ(DecodeBase64("aA=="), "h");
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_FALSE(DecodeBase64("aGVsbG8"));   // length not a multiple of 4
  EXPECT_FALSE(DecodeBase64("aG=sbG8="));  // padding inside
  EXPECT_FALSE(DecodeBase64("aGVs*G8="));  // not in the alphabet
}

}  // namespace
}  // namespace atrium::kube
