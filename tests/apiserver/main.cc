// atrium_test_apiserver: the test Kubernetes API server as a program, for
// people and end-to-end scripts. It prints one JSON line when it serves
// ({"url", "port", "adminUrl", "adminPort", "token", "kubeconfig"}) and runs
// until SIGINT or SIGTERM.
//
//   atrium_test_apiserver --kubeconfig-out /tmp/kc &
//   kubectl --kubeconfig /tmp/kc apply --server-side -f examples/quickstart/
//   curl -X POST "$ADMIN/fault/fail?status=500&count=3"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/apiserver/admin_server.h"
#include "tests/apiserver/api_server.h"

namespace {

constexpr const char* kUsage = R"(usage: atrium_test_apiserver [flags]
  --address ADDR          listen address (default 127.0.0.1)
  --port N                API port (default 0: any free port)
  --token TOKEN           bearer token clients must send (default atrium-test-token;
                          --token "" disables authentication)
  --plain-http            serve HTTP instead of HTTPS (kubectl then sends no token:
                          combine with --token "")
  --no-gateway-api        start without the gateway.networking.k8s.io CRDs
                          (install later: POST ADMIN/gateway-api/install)
  --kubeconfig-out PATH   write a kubeconfig for kubectl and Atrium
  --admin-port N          fault-injection admin port (default 0: any free port)
  --ready-file PATH       also write the JSON ready line to PATH
  --apply FILE            server-side apply a YAML file at startup (repeatable)
  --bookmark-interval-ms N  BOOKMARK period for watches that allow them (default 1000)
  --history N             change events kept for watches (default 100000)
  --allow-missing-namespaces  accept objects in namespaces that do not exist
)";

struct Flags {
  atrium::testing::ApiServerOptions api;
  std::string kubeconfig_out;
  int admin_port = 0;
  std::string ready_file;
  std::vector<std::string> apply_files;
};

bool ParseInt(const std::string& text, long long min, long long* out) {
  try {
    size_t used = 0;
    *out = std::stoll(text, &used);
    return used == text.size() && *out >= min;
  } catch (...) {
    return false;
  }
}

bool ParseFlags(int argc, char** argv, Flags* flags, std::string* error) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_inline_value = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline_value = true;
    }
    auto next = [&](std::string* out) {
      if (has_inline_value) {
        *out = value;
        return true;
      }
      if (i + 1 >= args.size()) {
        *error = arg + " needs a value";
        return false;
      }
      *out = args[++i];
      return true;
    };
    long long number = 0;
    std::string text;
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (arg == "--plain-http") {
      flags->api.tls = false;
    } else if (arg == "--no-gateway-api") {
      flags->api.gateway_api = false;
    } else if (arg == "--allow-missing-namespaces") {
      flags->api.require_namespaces = false;
    } else if (arg == "--address") {
      if (!next(&flags->api.address)) return false;
    } else if (arg == "--token") {
      if (!next(&flags->api.token)) return false;
    } else if (arg == "--kubeconfig-out") {
      if (!next(&flags->kubeconfig_out)) return false;
    } else if (arg == "--ready-file") {
      if (!next(&flags->ready_file)) return false;
    } else if (arg == "--apply") {
      if (!next(&text)) return false;
      flags->apply_files.push_back(text);
    } else if (arg == "--port" || arg == "--admin-port" || arg == "--bookmark-interval-ms" ||
               arg == "--history") {
      if (!next(&text)) return false;
      if (!ParseInt(text, 0, &number)) {
        *error = arg + " needs a non-negative integer, got \"" + text + "\"";
        return false;
      }
      if (arg == "--port") flags->api.port = static_cast<int>(number);
      if (arg == "--admin-port") flags->admin_port = static_cast<int>(number);
      if (arg == "--bookmark-interval-ms") {
        flags->api.bookmark_interval = std::chrono::milliseconds(std::max(1LL, number));
      }
      if (arg == "--history") flags->api.history_limit = static_cast<size_t>(std::max(1LL, number));
    } else {
      *error = "unknown flag " + arg;
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  std::string error;
  if (!ParseFlags(argc, argv, &flags, &error)) {
    std::cerr << "atrium_test_apiserver: " << error << "\n" << kUsage;
    return 2;
  }
  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and sigwait below is the only place they arrive.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  atrium::testing::ApiServer api(flags.api);
  for (const std::string& file : flags.apply_files) {
    std::ifstream in(file);
    if (!in) {
      std::cerr << "atrium_test_apiserver: cannot read " << file << "\n";
      return 1;
    }
    std::stringstream text;
    text << in.rdbuf();
    for (const atrium::testing::ApiResult& result : api.ApplyYaml(text.str())) {
      if (!result.ok()) {
        std::cerr << "atrium_test_apiserver: applying " << file << ": " << result.message() << "\n";
        return 1;
      }
    }
  }
  if (!api.Start()) {
    std::cerr << "atrium_test_apiserver: " << api.error() << "\n";
    return 1;
  }
  atrium::testing::AdminServer admin(&api);
  if (!admin.Start(flags.api.address, flags.admin_port, &error)) {
    std::cerr << "atrium_test_apiserver: " << error << "\n";
    return 1;
  }
  if (!flags.kubeconfig_out.empty() && !api.WriteKubeconfig(flags.kubeconfig_out)) {
    std::cerr << "atrium_test_apiserver: cannot write " << flags.kubeconfig_out << "\n";
    return 1;
  }
  nlohmann::json ready = {
      {"url", api.url()},
      {"port", api.port()},
      {"adminUrl", "http://" + flags.api.address + ":" + std::to_string(admin.port())},
      {"adminPort", admin.port()},
      {"token", api.token()},
      {"kubeconfig", flags.kubeconfig_out}};
  if (!flags.ready_file.empty()) {
    std::ofstream out(flags.ready_file + ".tmp");
    out << ready.dump() << "\n";
    out.close();
    std::rename((flags.ready_file + ".tmp").c_str(), flags.ready_file.c_str());
  }
  std::cout << ready.dump() << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  admin.Stop();
  api.Stop();
  return 0;
}
