#include "tests/e2e/cluster_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <httplib.h>

extern char** environ;

namespace atrium::e2e {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

}  // namespace

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return 0;
  }
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // Polling a condition against a deadline, not sleeping as synchronization.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TempDir::TempDir() {
  std::string pattern = std::filesystem::temp_directory_path().string() + "/atrium-e2e-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (std::getenv("ATRIUM_E2E_KEEP") == nullptr) std::filesystem::remove_all(path_, ignored);
}

Process::Process(std::vector<std::string> argv, const std::string& log_path) : log_path_(log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // The child starts with the default signal mask and dispositions.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  if (posix_spawn(&pid_, args[0], &actions, &attributes, args.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
}

Process::~Process() { Stop(std::chrono::seconds(30)); }

bool Process::Reap(bool block) {
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t done = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (done == pid_) {
    status_ = status;
    pid_ = -1;
    return true;
  }
  return false;
}

bool Process::running() { return !Reap(false); }

void Process::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int Process::Stop(std::chrono::milliseconds timeout) {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!WaitUntil([this] { return Reap(false); }, timeout)) {
      ::kill(pid_, SIGKILL);
      Reap(true);
    }
  }
  return status_;
}

void Process::Kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Reap(true);
  }
}

std::string Process::Log() const { return ReadAll(log_path_); }

std::string BinaryPath(const std::string& relative) {
  return std::string(ATRIUM_BINARY_DIR) + "/" + relative;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

ApiServerProcess::ApiServerProcess(const std::string& dir) : dir_(dir) {}

ApiServerProcess::~ApiServerProcess() = default;

bool ApiServerProcess::Start(std::string* error) {
  kubeconfig_ = dir_ + "/kubeconfig";
  const std::string ready = dir_ + "/apiserver.ready";
  process_ = std::make_unique<Process>(
      std::vector<std::string>{BinaryPath("tests/apiserver/atrium_test_apiserver"), "--address",
                               "127.0.0.1", "--port", "0", "--admin-port", "0", "--kubeconfig-out",
                               kubeconfig_, "--ready-file", ready},
      dir_ + "/apiserver.log");
  if (!WaitUntil([&] { return std::filesystem::exists(ready) || !process_->running(); },
                 std::chrono::seconds(60)) ||
      !std::filesystem::exists(ready)) {
    *error = "the test API server did not start: " + process_->Log();
    return false;
  }
  nlohmann::json line = nlohmann::json::parse(ReadAll(ready));
  admin_url_ = line["adminUrl"];
  admin_port_ = line["adminPort"];
  return true;
}

int ApiServerProcess::AdminPost(const std::string& path_and_query) {
  httplib::Client client("127.0.0.1", admin_port_);
  client.set_read_timeout(30);
  httplib::Result result = client.Post(path_and_query.c_str(), "", "text/plain");
  return result ? result->status : 0;
}

nlohmann::json ApiServerProcess::AdminGet(const std::string& path) {
  httplib::Client client("127.0.0.1", admin_port_);
  httplib::Result result = client.Get(path.c_str());
  if (!result || result->status != 200) return nlohmann::json();
  return nlohmann::json::parse(result->body, nullptr, false);
}

AtriumProcess::AtriumProcess(AtriumOptions options) : options_(std::move(options)) {}

AtriumProcess::~AtriumProcess() = default;

void AtriumProcess::Start() {
  proxy_port_ = FreePort();
  admin_port_ = FreePort();
  std::vector<std::string> argv = {BinaryPath("controller/atrium"),
                                   "--kubeconfig",
                                   options_.kubeconfig,
                                   "--admin-address",
                                   "127.0.0.1:" + std::to_string(admin_port_),
                                   "--port-offset",
                                   std::to_string(proxy_port_ - 80),
                                   "--workers",
                                   "1",
                                   "--drain-timeout",
                                   "1s"};
  argv.insert(argv.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  // ATRIUM_E2E_WRAPPER runs atrium under a profiler ("heaptrack -o /tmp/h",
  // "perf record -g -o /tmp/p.data"): how the benches are profiled.
  if (const char* wrapper = std::getenv("ATRIUM_E2E_WRAPPER"); wrapper != nullptr) {
    std::istringstream words(wrapper);
    std::vector<std::string> prefix{std::istream_iterator<std::string>(words),
                                    std::istream_iterator<std::string>()};
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
  }
  process_ = std::make_unique<Process>(std::move(argv), options_.log_path);
}

bool AtriumProcess::Ready() {
  httplib::Client client("127.0.0.1", admin_port_);
  client.set_connection_timeout(1);
  httplib::Result result = client.Get("/readyz");
  return result && result->status == 200;
}

std::string AtriumProcess::Metrics() {
  httplib::Client client("127.0.0.1", admin_port_);
  httplib::Result result = client.Get("/metrics");
  return result && result->status == 200 ? result->body : "";
}

double AtriumProcess::Metric(const std::string& name) { return MetricIn(Metrics(), name); }

double MetricIn(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    // A labelled family: its first series.
    if (line.rfind(name + "{", 0) == 0) {
      const size_t value = line.rfind(' ');
      if (value != std::string::npos) return std::stod(line.substr(value + 1));
    }
  }
  return -1;
}

CommandResult Kubectl::Run(const std::string& args) const {
  return RunCommand("kubectl --kubeconfig " + ShellQuote(kubeconfig_) + " --request-timeout=20s " +
                    args);
}

std::string Kubectl::JsonPath(const std::string& what, const std::string& path) const {
  CommandResult result = Run("get " + what + " -o " + ShellQuote("jsonpath=" + path));
  return result.exit_code == 0 ? result.output : "";
}

CommandResult Kubectl::ApplyText(const std::string& yaml, const std::string& dir) const {
  static int counter = 0;
  const std::string file = dir + "/apply-" + std::to_string(++counter) + ".yaml";
  std::ofstream(file) << yaml;
  return Run("apply --server-side -f " + ShellQuote(file));
}

Backend::Backend(std::string name)
    : name_(std::move(name)), server_(std::make_unique<httplib::Server>()) {
  server_->set_tcp_nodelay(true);
  const std::string body = nlohmann::json{{"backend", name_}}.dump();
  server_->Get(".*", [body](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  port_ = static_cast<uint16_t>(server_->bind_to_any_port("127.0.0.1"));
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

Backend::~Backend() {
  // httplib's stop() is a no-op until the accept loop has marked the server
  // running; wait for that first (see tests/apiserver/http_listener.h).
  WaitUntil([this] { return server_->is_running(); }, std::chrono::seconds(30));
  server_->stop();
  thread_.join();
}

HttpAnswer Get(uint16_t port, const std::string& host, const std::string& path,
               const std::map<std::string, std::string>& headers) {
  HttpAnswer answer;
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  httplib::Headers request_headers = {{"Host", host}};
  for (const auto& [name, value] : headers) request_headers.emplace(name, value);
  httplib::Result result = client.Get(path.c_str(), request_headers);
  if (!result) return answer;
  answer.status = result->status;
  answer.body = result->body;
  nlohmann::json body = nlohmann::json::parse(result->body, nullptr, false);
  if (body.is_object() && body.contains("backend") && body["backend"].is_string()) {
    answer.backend = body["backend"];
  }
  return answer;
}

std::string QuickstartManifests(const std::map<std::string, uint16_t>& ports) {
  static const std::map<std::string, std::string> kDemoPorts = {
      {"web-v1", "18081"}, {"web-v2", "18082"}, {"api", "18083"}, {"legacy", "18084"}};
  std::string all;
  for (const char* file : {"00-classes.yaml", "10-gateway.yaml", "20-httproutes.yaml",
                           "30-ingress.yaml", "40-backends.yaml"}) {
    all += ReadAll(std::string(ATRIUM_SOURCE_DIR) + "/examples/quickstart/" + file);
    all += "\n---\n";
  }
  for (const auto& [name, demo_port] : kDemoPorts) {
    auto it = ports.find(name);
    if (it == ports.end()) continue;
    all =
        std::regex_replace(all, std::regex("\\b" + demo_port + "\\b"), std::to_string(it->second));
  }
  return all;
}

}  // namespace atrium::e2e
