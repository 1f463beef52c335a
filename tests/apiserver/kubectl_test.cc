// The real kubectl against the test API server: server-side and client-side
// apply, get with JSONPath and tables, edit through an EDITOR script, patch,
// label selectors, delete, and a Gateway API group that appears later.

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include <gtest/gtest.h>

#include "tests/apiserver/api_server.h"
#include "tests/apiserver/base64.h"
#include "tests/apiserver/tls_material.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

ApiServerOptions WithoutGatewayApi() {
  ApiServerOptions options;
  options.gateway_api = false;
  return options;
}

std::string Testdata() { return std::string(ATRIUM_SOURCE_DIR) + "/tests/apiserver/testdata"; }

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

std::string Quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool HaveKubectl() { return RunCommand("command -v kubectl").exit_code == 0; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

json AcceptedStatus(const json& route) {
  json status = route;
  status["status"] = {{"parents",
                       {{{"parentRef", {{"name", "web"}}},
                         {"controllerName", "atrium.dev/gateway-controller"},
                         {"conditions",
                          {{{"type", "Accepted"},
                            {"status", "True"},
                            {"reason", "Accepted"},
                            {"observedGeneration", route["metadata"]["generation"]},
                            {"lastTransitionTime", "2025-01-01T00:00:00Z"},
                            {"message", ""}}}}}}}};
  return status;
}

class KubectlTest : public ::testing::Test {
 protected:
  explicit KubectlTest(ApiServerOptions options = {}) : api_(std::move(options)) {}

  void SetUp() override {
    if (!HaveKubectl()) GTEST_SKIP() << "kubectl is not installed";
    ASSERT_TRUE(api_.Start()) << api_.error();
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = ::testing::TempDir() + "atrium-kubectl-" + info->name() + "-" + std::to_string(getpid());
    RunCommand("rm -rf " + Quote(dir_));
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0) << dir_;
    kubeconfig_ = dir_ + "/kubeconfig";
    ASSERT_TRUE(api_.WriteKubeconfig(kubeconfig_));
  }

  void TearDown() override {
    if (!dir_.empty()) RunCommand("rm -rf " + Quote(dir_));
  }

  // Kubectl runs kubectl with the test's kubeconfig and a private cache
  // directory; env is prepended ("EDITOR=... ").
  CommandResult Kubectl(const std::string& args, const std::string& env = "") {
    return RunCommand("cd " + Quote(dir_) + " && env HOME=" + Quote(dir_) + " " + env +
                      " timeout 120 kubectl --kubeconfig " + Quote(kubeconfig_) + " --cache-dir " +
                      Quote(dir_ + "/cache") + " " + args);
  }

  std::string WriteTemp(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  ApiServer api_;
  std::string dir_;
  std::string kubeconfig_;
};

TEST_F(KubectlTest, ServerSideApplyThenJsonPath) {
  CommandResult applied = Kubectl("apply --server-side -f " + Quote(Testdata() + "/gateway.yaml"));
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_NE(applied.output.find("httproute.gateway.networking.k8s.io/api serverside-applied"),
            std::string::npos)
      << applied.output;
  EXPECT_NE(applied.output.find("namespace/shop serverside-applied"), std::string::npos);

  std::optional<json> route = api_.Get("httproutes", "shop", "api");
  ASSERT_TRUE(route);
  EXPECT_EQ((*route)["spec"]["hostnames"][0], "shop.example.com");
  ASSERT_TRUE(api_.Get("endpointslices", "shop", "api-1"));
  ASSERT_TRUE(api_.Get("gatewayclasses", "", "atrium"));

  CommandResult host = Kubectl("get httproute api -n shop -o jsonpath='{.spec.hostnames[0]}'");
  ASSERT_EQ(host.exit_code, 0) << host.output;
  EXPECT_EQ(host.output, "shop.example.com");

  // A controller reports Accepted through the status subresource.
  ASSERT_TRUE(api_.UpdateStatus(AcceptedStatus(*route)).ok());
  CommandResult accepted = Kubectl(
      "get httproute api -n shop -o "
      "jsonpath='{.status.parents[0].conditions[?(@.type==\"Accepted\")].status}'");
  ASSERT_EQ(accepted.exit_code, 0) << accepted.output;
  EXPECT_EQ(accepted.output, "True");

  // Applying again changes nothing, the status included.
  CommandResult again = Kubectl("apply --server-side -f " + Quote(Testdata() + "/gateway.yaml"));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(api_.Get("httproutes", "shop", "api").value()["status"]["parents"].size(), 1u);
  EXPECT_EQ(api_.Get("httproutes", "shop", "api").value()["metadata"]["generation"], 1);

  CommandResult table = Kubectl("get gateways -A");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("PROGRAMMED"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("atrium"), std::string::npos) << table.output;
}

TEST_F(KubectlTest, ClientSideApplyCreatesConfiguresAndLeavesUnchanged) {
  CommandResult created = Kubectl("apply -f " + Quote(Testdata() + "/gateway.yaml"));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_NE(created.output.find("httproute.gateway.networking.k8s.io/api created"),
            std::string::npos)
      << created.output;

  std::string changed = ReadFile(Testdata() + "/gateway.yaml");
  changed = Replace(changed, "shop.example.com", "store.example.com");
  changed = Replace(changed, "targetPort: 8080", "targetPort: 9090");
  std::string path = WriteTemp("changed.yaml", changed);
  CommandResult configured = Kubectl("apply -f " + Quote(path));
  ASSERT_EQ(configured.exit_code, 0) << configured.output;
  EXPECT_NE(configured.output.find("httproute.gateway.networking.k8s.io/api configured"),
            std::string::npos)
      << configured.output;
  EXPECT_NE(configured.output.find("service/api configured"), std::string::npos);
  EXPECT_NE(configured.output.find("gateway.gateway.networking.k8s.io/web unchanged"),
            std::string::npos);

  json route = api_.Get("httproutes", "shop", "api").value();
  EXPECT_EQ(route["spec"]["hostnames"], json({"store.example.com"}));
  EXPECT_EQ(route["metadata"]["generation"], 2);
  EXPECT_TRUE(route["metadata"]["annotations"].contains(
      "kubectl.kubernetes.io/last-applied-configuration"));
  // The Service went through a strategic merge patch: one port, merged by key.
  json service = api_.Get("services", "shop", "api").value();
  ASSERT_EQ(service["spec"]["ports"].size(), 1u);
  EXPECT_EQ(service["spec"]["ports"][0]["targetPort"], 9090);
  EXPECT_EQ(service["spec"]["ports"][0]["name"], "http");
}

// kubectl diff compares the live objects with a server-side dry run of the
// file: none of the server's additions (such as an empty annotations map
// client-side apply leaves) may show as a change, and a real change does.
TEST_F(KubectlTest, DiffOfAnAppliedFileShowsOnlyRealChanges) {
  ASSERT_EQ(Kubectl("apply -f " + Quote(Testdata() + "/gateway.yaml")).exit_code, 0);
  CommandResult same = Kubectl("diff -f " + Quote(Testdata() + "/gateway.yaml"));
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_EQ(same.output, "");

  const std::string changed = WriteTemp(
      "changed.yaml",
      Replace(ReadFile(Testdata() + "/gateway.yaml"), "shop.example.com", "diff.example.com"));
  CommandResult differs = Kubectl("diff -f " + Quote(changed));
  EXPECT_EQ(differs.exit_code, 1) << differs.output;
  EXPECT_NE(differs.output.find("+  - diff.example.com"), std::string::npos) << differs.output;
  EXPECT_EQ(differs.output.find("annotations: {}"), std::string::npos) << differs.output;
  EXPECT_EQ(api_.Get("httproutes", "shop", "api").value()["spec"]["hostnames"][0],
            "shop.example.com")
      << "diff is a dry run";
}

TEST_F(KubectlTest, EditThroughAnEditorScript) {
  ASSERT_EQ(Kubectl("apply --server-side -f " + Quote(Testdata() + "/gateway.yaml")).exit_code, 0);
  CommandResult edited =
      Kubectl("edit httproute api -n shop", "EDITOR=" + Quote(Testdata() + "/edit.sh") +
                                                " EDIT_FROM='value: /api' EDIT_TO='value: /v2'");
  ASSERT_EQ(edited.exit_code, 0) << edited.output;
  EXPECT_NE(edited.output.find("httproute.gateway.networking.k8s.io/api edited"), std::string::npos)
      << edited.output;
  json route = api_.Get("httproutes", "shop", "api").value();
  EXPECT_EQ(route["spec"]["rules"][0]["matches"][0]["path"]["value"], "/v2");
  EXPECT_EQ(route["metadata"]["generation"], 2);

  // A built-in kind goes through a strategic merge patch.
  CommandResult service = Kubectl("edit service api -n shop",
                                  "EDITOR=" + Quote(Testdata() + "/edit.sh") +
                                      " EDIT_FROM='targetPort: 8080' EDIT_TO='targetPort: 7070'");
  ASSERT_EQ(service.exit_code, 0) << service.output;
  EXPECT_EQ(api_.Get("services", "shop", "api").value()["spec"]["ports"][0]["targetPort"], 7070);
}

TEST_F(KubectlTest, GetIngressShowsThePublishedAddress) {
  ASSERT_EQ(Kubectl("apply -f " + Quote(Testdata() + "/gateway.yaml")).exit_code, 0);
  ASSERT_EQ(Kubectl("apply -f " + Quote(Testdata() + "/ingress.yaml")).exit_code, 0);
  json ingress = api_.Get("ingresses", "shop", "store").value();
  ingress["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "192.0.2.10"}}}}}}};
  ASSERT_TRUE(api_.UpdateStatus(ingress).ok());

  CommandResult table = Kubectl("get ingress -n shop");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  std::istringstream lines(table.output);
  std::string header;
  std::string row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_EQ(header.rfind("NAME", 0), 0u) << table.output;
  EXPECT_NE(header.find("ADDRESS"), std::string::npos) << table.output;
  EXPECT_EQ(row.rfind("store", 0), 0u) << table.output;
  EXPECT_NE(row.find("192.0.2.10"), std::string::npos) << table.output;
  EXPECT_NE(row.find("store.example.com"), std::string::npos) << table.output;

  CommandResult address =
      Kubectl("get ingress store -n shop -o jsonpath='{.status.loadBalancer.ingress[0].ip}'");
  EXPECT_EQ(address.output, "192.0.2.10");
}

TEST_F(KubectlTest, PatchLabelAndSelect) {
  ASSERT_EQ(Kubectl("apply -f " + Quote(Testdata() + "/gateway.yaml")).exit_code, 0);
  CommandResult patched = Kubectl(
      "patch httproute api -n shop --type=merge -p "
      "'{\"spec\":{\"hostnames\":[\"p.example.com\"]}}'");
  ASSERT_EQ(patched.exit_code, 0) << patched.output;
  EXPECT_EQ(api_.Get("httproutes", "shop", "api").value()["spec"]["hostnames"][0], "p.example.com");

  CommandResult json_patch = Kubectl(
      "patch httproute api -n shop --type=json -p "
      "'[{\"op\":\"replace\",\"path\":\"/spec/hostnames/0\",\"value\":\"j.example.com\"}]'");
  ASSERT_EQ(json_patch.exit_code, 0) << json_patch.output;
  EXPECT_EQ(api_.Get("httproutes", "shop", "api").value()["spec"]["hostnames"][0], "j.example.com");

  ASSERT_EQ(Kubectl("label httproute api -n shop tier=edge").exit_code, 0);
  CommandResult selected = Kubectl("get httproutes -A -l tier=edge -o name");
  ASSERT_EQ(selected.exit_code, 0) << selected.output;
  EXPECT_EQ(selected.output, "httproute.gateway.networking.k8s.io/api\n");
  CommandResult none = Kubectl("get httproutes -A -l 'tier notin (edge)' -o name");
  EXPECT_EQ(none.output, "");

  CommandResult conflict = Kubectl(
      "patch httproute api -n shop --type=merge -p '{\"metadata\":{\"resourceVersion\":\"1\"}}'");
  EXPECT_NE(conflict.exit_code, 0);
  EXPECT_NE(conflict.output.find("Conflict"), std::string::npos) << conflict.output;
}

TEST_F(KubectlTest, DeleteFromFileWaitsUntilGone) {
  ASSERT_EQ(Kubectl("apply -f " + Quote(Testdata() + "/gateway.yaml")).exit_code, 0);
  ASSERT_EQ(Kubectl("apply -f " + Quote(Testdata() + "/ingress.yaml")).exit_code, 0);
  ASSERT_TRUE(api_.Get("ingresses", "shop", "store"));
  CommandResult deleted = Kubectl("delete -f " + Quote(Testdata() + "/ingress.yaml"));
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_NE(deleted.output.find("ingress.networking.k8s.io \"store\" deleted"), std::string::npos)
      << deleted.output;
  EXPECT_FALSE(api_.Get("ingresses", "shop", "store"));
  EXPECT_FALSE(api_.Get("ingressclasses", "", "atrium"));

  CommandResult missing = Kubectl("get ingress store -n shop");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("NotFound"), std::string::npos) << missing.output;

  CommandResult route = Kubectl("delete httproute api -n shop");
  ASSERT_EQ(route.exit_code, 0) << route.output;
  EXPECT_FALSE(api_.Get("httproutes", "shop", "api"));
}

// Absent: null, or an object of nothing but absent values (kubectl shows
// "creationTimestamp": null and "status": {"loadBalancer": {}}).
bool Absent(const json& value) {
  if (value.is_null()) return true;
  if (!value.is_object()) return false;
  for (const auto& [key, member] : value.items()) {
    if (!Absent(member)) return false;
  }
  return true;
}

// Contains reports where stored lacks or differs from what expected holds
// ("" when it holds it all). The server may add to an object (defaults, its
// metadata); absent values in expected need not be stored.
std::string Contains(const json& stored, const json& expected, const std::string& path = "") {
  if (Absent(expected)) return "";
  if (expected.is_object()) {
    if (!stored.is_object()) return path + " is not an object in " + stored.dump();
    for (const auto& [key, value] : expected.items()) {
      std::string child = path;
      child.append(".").append(key);
      std::string missing = Contains(stored.value(key, json()), value, child);
      if (!missing.empty()) return missing;
    }
    return "";
  }
  if (expected.is_array()) {
    if (!stored.is_array() || stored.size() != expected.size()) {
      return path + ": " + stored.dump() + " is not like " + expected.dump();
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      std::string missing = Contains(stored[i], expected[i], path + "[" + std::to_string(i) + "]");
      if (!missing.empty()) return missing;
    }
    return "";
  }
  return stored == expected ? "" : path + ": " + stored.dump() + " != " + expected.dump();
}

// kubectl's generators send Kubernetes protobuf (client-go has no fallback to
// JSON); what the server stores must be the object kubectl shows for the
// same command with --dry-run=client -o json, field for field.
TEST_F(KubectlTest, CreateGeneratorsSendProtobufStoredAsTheirJson) {
  std::string error;
  std::optional<TlsMaterial> tls = GenerateTlsMaterial(&error);
  ASSERT_TRUE(tls) << error;
  const std::string cert = WriteTemp("tls.crt", tls->cert_pem);
  const std::string key = WriteTemp("tls.key", tls->key_pem);
  struct Generated {
    std::string args;
    std::string resource;
    std::string ns;
    std::string name;
  };
  const Generated generated[] = {
      {"create namespace made", "namespaces", "", "made"},
      {"create secret generic plain -n made --from-literal=a=b --from-literal=empty= "
       "--type=example.com/x",
       "secrets", "made", "plain"},
      {"create secret tls cert -n made --cert=" + Quote(cert) + " --key=" + Quote(key), "secrets",
       "made", "cert"},
      {"create ingress shop -n made --class=atrium --default-backend=fallback:8080 "
       "--rule='shop.example.com/api*=api:80,tls=cert' --rule='www.example.com/=web:http' "
       "--annotation=team=edge",
       "ingresses", "made", "shop"},
      {"create service clusterip api -n made --tcp=80:8080 --tcp=443:https", "services", "made",
       "api"},
      {"create service nodeport node -n made --tcp=80:8080 --node-port=30080", "services", "made",
       "node"},
      {"create service loadbalancer lb -n made --tcp=443:8443", "services", "made", "lb"},
      {"create service externalname ext -n made --external-name=example.org", "services", "made",
       "ext"},
  };
  for (const Generated& command : generated) {
    SCOPED_TRACE(command.args);
    CommandResult shown = Kubectl(command.args + " --dry-run=client -o json");
    ASSERT_EQ(shown.exit_code, 0) << shown.output;
    const json expected = json::parse(shown.output, nullptr, false);
    ASSERT_FALSE(expected.is_discarded()) << shown.output;

    CommandResult created = Kubectl(command.args + " -v=8");
    ASSERT_EQ(created.exit_code, 0) << created.output;
    EXPECT_NE(created.output.find("Content-Type: application/vnd.kubernetes.protobuf"),
              std::string::npos)
        << created.output;
    std::optional<json> stored = api_.Get(command.resource, command.ns, command.name);
    ASSERT_TRUE(stored);
    EXPECT_EQ(Contains(*stored, expected), "") << stored->dump();
  }
  EXPECT_EQ(api_.Get("secrets", "made", "cert").value()["data"]["tls.key"],
            Base64Encode(tls->key_pem));
  // The server defaults what kubectl leaves unset, as the real one does.
  ASSERT_EQ(Kubectl("create secret generic untyped -n made --from-literal=a=b").exit_code, 0);
  EXPECT_EQ(api_.Get("secrets", "made", "untyped").value()["type"], "Opaque");
}

class KubectlWithoutGatewayApiTest : public KubectlTest {
 protected:
  KubectlWithoutGatewayApiTest() : KubectlTest(WithoutGatewayApi()) {}
};

TEST_F(KubectlWithoutGatewayApiTest, GatewayKindsAppearWhenTheCrdsAreInstalled) {
  CommandResult refused = Kubectl("apply --server-side -f " + Quote(Testdata() + "/gateway.yaml"));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("no matches for kind"), std::string::npos) << refused.output;
  EXPECT_TRUE(api_.Get("services", "shop", "api")) << "the other objects were applied";

  ASSERT_TRUE(api_.InstallGatewayApi());
  CommandResult crds = Kubectl("get crds -o name");
  EXPECT_NE(crds.output.find("httproutes.gateway.networking.k8s.io"), std::string::npos)
      << crds.output;
  CommandResult applied = Kubectl("apply --server-side -f " + Quote(Testdata() + "/gateway.yaml"));
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_TRUE(api_.Get("httproutes", "shop", "api"));
}

}  // namespace
}  // namespace atrium::testing
