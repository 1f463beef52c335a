// The standalone atrium_test_apiserver program: flags, the ready line, the
// kubeconfig it writes, its admin port, and a clean exit on SIGTERM.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

extern char** environ;

namespace atrium::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const std::string kProgram =
    std::string(ATRIUM_BINARY_DIR) + "/tests/apiserver/atrium_test_apiserver";

// Program runs the server with args and reads its ready line.
class Program {
 public:
  explicit Program(std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> argv;
    args.insert(args.begin(), kProgram);
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, kProgram.c_str(), &actions, nullptr, argv.data(), environ) != 0)
      pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
  }

  ~Program() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) fclose(out_);
  }

  // ReadyLine blocks until the program prints its first line (or exits).
  std::string ReadyLine() {
    char line[4096];
    if (out_ == nullptr || fgets(line, sizeof(line), out_) == nullptr) return "";
    return line;
  }

  // Terminate sends SIGTERM and returns the exit status, or -1 when the
  // program is still running after the timeout.
  int Terminate(std::chrono::seconds timeout) {
    kill(pid_, SIGTERM);
    std::mutex mutex;
    std::condition_variable done;
    int status = -1;
    bool finished = false;
    std::thread waiter([&] {
      int raw = 0;
      waitpid(pid_, &raw, 0);
      std::lock_guard lock(mutex);
      status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
      finished = true;
      done.notify_all();
    });
    std::unique_lock lock(mutex);
    if (!done.wait_for(lock, timeout, [&] { return finished; })) kill(pid_, SIGKILL);
    done.wait(lock, [&] { return finished; });
    lock.unlock();
    waiter.join();
    exited_ = true;
    return status;
  }

  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  bool exited_ = false;
};

TEST(ProgramTest, ServesWritesAKubeconfigAndStopsOnSigterm) {
  std::string kubeconfig = ::testing::TempDir() + "program-kubeconfig-" + std::to_string(getpid());
  Program program({"--no-gateway-api", "--token", "secret", "--kubeconfig-out", kubeconfig,
                   "--apply",
                   std::string(ATRIUM_SOURCE_DIR) + "/tests/apiserver/testdata/ingress.yaml",
                   "--allow-missing-namespaces"});
  ASSERT_TRUE(program.started());
  json ready = json::parse(program.ReadyLine(), nullptr, false);
  ASSERT_TRUE(ready.is_object()) << "no ready line";
  EXPECT_EQ(ready["token"], "secret");
  EXPECT_EQ(ready["url"].get<std::string>().rfind("https://127.0.0.1:", 0), 0u);

  YAML::Node config = YAML::LoadFile(kubeconfig);
  EXPECT_EQ(config["clusters"][0]["cluster"]["server"].as<std::string>(), ready["url"]);
  EXPECT_EQ(config["users"][0]["user"]["token"].as<std::string>(), "secret");
  EXPECT_TRUE(config["clusters"][0]["cluster"]["certificate-authority-data"]);

  httplib::Client api(ready["url"].get<std::string>());
  api.enable_server_certificate_verification(false);
  api.set_bearer_token_auth("secret");
  httplib::Result ingress = api.Get("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/store");
  ASSERT_TRUE(ingress);
  EXPECT_EQ(ingress->status, 200) << "--apply loaded the file";
  httplib::Result routes = api.Get("/apis/gateway.networking.k8s.io/v1/httproutes");
  ASSERT_TRUE(routes);
  EXPECT_EQ(routes->status, 404) << "--no-gateway-api";

  httplib::Client admin(ready["adminUrl"].get<std::string>());
  httplib::Result installed = admin.Post("/gateway-api/install", "", "text/plain");
  ASSERT_TRUE(installed);
  EXPECT_EQ(installed->status, 200);
  routes = api.Get("/apis/gateway.networking.k8s.io/v1/httproutes");
  ASSERT_TRUE(routes);
  EXPECT_EQ(routes->status, 200);

  EXPECT_EQ(program.Terminate(seconds(30)), 0);
  std::remove(kubeconfig.c_str());
}

TEST(ProgramTest, RejectsUnknownFlags) {
  Program program({"--no-such-flag"});
  ASSERT_TRUE(program.started());
  EXPECT_EQ(program.ReadyLine(), "");
  EXPECT_EQ(program.Terminate(seconds(30)), 2);
}

}  // namespace
}  // namespace atrium::testing
