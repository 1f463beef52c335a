#pragma once

// The end-to-end harness for cluster mode: real processes on 127.0.0.1 only.
//   - ApiServerProcess runs tests/apiserver's program (atrium_test_apiserver)
//     on a free port and reads its ready line;
//   - AtriumProcess runs the real atrium binary with --kubeconfig;
//   - Kubectl runs the real kubectl (on PATH) against the test API server;
//   - Backend is an in-process HTTP server that answers {"backend": NAME}.
// Every wait is a condition polled against a deadline, never a bare sleep.
// Each object stops its processes (SIGTERM, then SIGKILL) when destroyed.
//
// Threading: one test thread uses a harness object at a time.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace httplib {
class Server;
}

namespace atrium::e2e {

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago
// (bound to port 0, then closed).
uint16_t FreePort();

// WaitUntil polls pred every few milliseconds until it holds or timeout
// passes; returns whether it held.
bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

// TempDir is a fresh folder removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Process runs argv with stdout and stderr appended to log_path.
class Process {
 public:
  Process(std::vector<std::string> argv, const std::string& log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Signal sends sig; Stop sends SIGTERM, waits up to timeout, then SIGKILL.
  void Signal(int sig);
  // Stop returns the exit status (as waitpid reports it), or -1.
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Kill is a crash: SIGKILL and reap.
  void Kill();
  std::string Log() const;

 private:
  bool Reap(bool block);
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

// BinaryPath is a program built in this build tree ("controller/atrium").
std::string BinaryPath(const std::string& relative);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// RunCommand runs a shell command line and collects its output.
CommandResult RunCommand(const std::string& command);

class ApiServerProcess {
 public:
  explicit ApiServerProcess(const std::string& dir);
  ~ApiServerProcess();
  // Start launches the program and waits for its ready line.
  bool Start(std::string* error);
  const std::string& kubeconfig() const { return kubeconfig_; }
  const std::string& admin_url() const { return admin_url_; }
  // Admin POSTs to the admin port (fault injection), returns the HTTP status.
  int AdminPost(const std::string& path_and_query);
  nlohmann::json AdminGet(const std::string& path);
  std::string Log() const { return process_ ? process_->Log() : ""; }

 private:
  std::string dir_;
  std::string kubeconfig_;
  std::string admin_url_;
  int admin_port_ = 0;
  std::unique_ptr<Process> process_;
};

struct AtriumOptions {
  std::string kubeconfig;
  std::vector<std::string> extra_flags;
  std::string log_path;
};

class AtriumProcess {
 public:
  explicit AtriumProcess(AtriumOptions options);
  ~AtriumProcess();
  // Start launches atrium on free ports: a Gateway listener on port 80 is
  // served on proxy_port(), the admin server on admin_port().
  void Start();
  uint16_t proxy_port() const { return proxy_port_; }
  uint16_t admin_port() const { return admin_port_; }
  bool Ready();
  // Metric reads a sample from /metrics: the unlabelled one, or a labelled
  // family's first series (-1 when absent).
  double Metric(const std::string& name);
  // Metrics is one scrape of /metrics ("" on failure), for reading several
  // samples that must agree with MetricIn.
  std::string Metrics();
  Process& process() { return *process_; }

 private:
  AtriumOptions options_;
  uint16_t proxy_port_ = 0;
  uint16_t admin_port_ = 0;
  std::unique_ptr<Process> process_;
};

// MetricIn reads the sample name (a series, labels included, or a family's
// first series) from a /metrics text; -1 when absent.
double MetricIn(const std::string& text, const std::string& name);

// Kubectl runs `kubectl --kubeconfig KC ARGS` (ARGS is shell text).
class Kubectl {
 public:
  explicit Kubectl(std::string kubeconfig) : kubeconfig_(std::move(kubeconfig)) {}
  CommandResult Run(const std::string& args) const;
  // Get returns the output of `get WHAT -o jsonpath=PATH` ("" on error).
  std::string JsonPath(const std::string& what, const std::string& path) const;
  // ApplyText server-side-applies YAML given as text.
  CommandResult ApplyText(const std::string& yaml, const std::string& dir) const;

 private:
  std::string kubeconfig_;
};

// Backend answers every request with {"backend": name} on 127.0.0.1.
class Backend {
 public:
  explicit Backend(std::string name);
  ~Backend();
  uint16_t port() const { return port_; }

 private:
  std::string name_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

struct HttpAnswer {
  int status = 0;  // 0: no answer
  std::string backend;
  std::string body;
};

// Get sends GET path with Host: host to 127.0.0.1:port.
HttpAnswer Get(uint16_t port, const std::string& host, const std::string& path,
               const std::map<std::string, std::string>& headers = {});

// QuickstartManifests returns examples/quickstart with the backends'
// loopback ports (18081..18084) replaced by the given ones, by name.
std::string QuickstartManifests(const std::map<std::string, uint16_t>& ports);

}  // namespace atrium::e2e
