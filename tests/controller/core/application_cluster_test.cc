// Application in cluster mode: what Start says when the cluster cannot be
// used. The working path (informers, status, leader election) is covered end
// to end by tests/e2e/cluster_e2e_test.cc with the real binary and kubectl.

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "controller/core/application.h"

namespace atrium::core {
namespace {

Config ClusterConfig(const std::string& kubeconfig) {
  Config config;
  config.kubeconfig = kubeconfig;
  config.admin_port = 0;
  config.workers = 1;
  return config;
}

std::string TempFile(const std::string& name, const std::string& text) {
  std::string path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

TEST(ApplicationClusterTest, MissingKubeconfigIsAClearError) {
  Application app(ClusterConfig("/nonexistent/kubeconfig"));
  const std::string error = app.Start();
  EXPECT_NE(error.find("--kubeconfig: cannot read kubeconfig /nonexistent/kubeconfig"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
}

TEST(ApplicationClusterTest, KubeconfigWithoutAServerIsAClearError) {
  const std::string path = TempFile("atrium-app-broken-kubeconfig", R"(apiVersion: v1
kind: Config
current-context: nowhere
contexts: []
clusters: []
users: []
)");
  Application app(ClusterConfig(path));
  const std::string error = app.Start();
  EXPECT_NE(error.find("--kubeconfig: " + path), std::string::npos) << error;
  EXPECT_NE(error.find("nowhere"), std::string::npos) << error;
  std::filesystem::remove(path);
}

TEST(ApplicationClusterTest, LeaderElectionDurationsThatCannotWorkAreRefused) {
  const std::string path = TempFile("atrium-app-kubeconfig", R"(apiVersion: v1
kind: Config
current-context: test
contexts: [{name: test, context: {cluster: test, user: test}}]
clusters: [{name: test, cluster: {server: "http://127.0.0.1:1"}}]
users: [{name: test, user: {token: secret}}]
)");
  Config config = ClusterConfig(path);
  config.leader_elect = true;
  config.lease_duration = std::chrono::seconds(5);
  config.renew_deadline = std::chrono::seconds(10);  // must be shorter than the lease
  Application app(config);
  const std::string error = app.Start();
  EXPECT_NE(error.find("leader election"), std::string::npos) << error;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace atrium::core
