#include "controller/core/flags.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <sstream>
#include <thread>

#include "base/str_cat.h"

namespace atrium::core {
namespace {

struct Flag {
  const char* name;
  const char* value_name;  // nullptr: a boolean flag
  const char* help;
  std::function<std::string(Config&, const std::string&)> apply;  // returns an error
};

template <typename T>
bool ParseNumber(const std::string& text, T* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::function<std::string(Config&, const std::string&)> Duration(
    std::chrono::milliseconds Config::*field) {
  return [field](Config& config, const std::string& value) -> std::string {
    if (!ParseDuration(value, &(config.*field))) return "not a duration (e.g. 500ms, 10s, 1m)";
    return "";
  };
}

std::function<std::string(Config&, const std::string&)> Text(std::string Config::*field) {
  return [field](Config& config, const std::string& value) -> std::string {
    config.*field = value;
    return "";
  };
}

std::function<std::string(Config&, const std::string&)> List(
    std::vector<std::string> Config::*field) {
  return [field](Config& config, const std::string& value) -> std::string {
    // Repeatable, and each value may be a comma-separated list.
    std::stringstream stream(value);
    std::string item;
    while (std::getline(stream, item, ',')) {
      if (!item.empty()) (config.*field).push_back(item);
    }
    return "";
  };
}

template <typename T>
std::function<std::string(Config&, const std::string&)> Number(T Config::*field, T min, T max) {
  return [field, min, max](Config& config, const std::string& value) -> std::string {
    T parsed{};
    if (!ParseNumber(value, &parsed) || parsed < min || parsed > max) {
      return "not a number between " + std::to_string(min) + " and " + std::to_string(max);
    }
    config.*field = parsed;
    return "";
  };
}

std::string ApplyAdminAddress(Config& config, const std::string& value) {
  size_t colon = value.rfind(':');
  if (colon == std::string::npos) return "expected HOST:PORT";
  uint16_t port = 0;
  if (!ParseNumber(value.substr(colon + 1), &port)) return "bad port";
  std::string host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  config.admin_address = host;
  config.admin_port = port;
  return "";
}

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> flags = {
      {"manifests", "DIR",
       "Serve the Kubernetes YAML/JSON in DIR (local mode, no cluster); DIR is watched",
       Text(&Config::manifests_dir)},
      {"kubeconfig", "PATH",
       "Kubeconfig of the cluster to watch (default: in-cluster service account)",
       Text(&Config::kubeconfig)},
      {"watch-namespace", "NS[,NS]",
       "Watch only these namespaces (repeatable; default: all namespaces)",
       List(&Config::watch_namespaces)},
      {"admin-address", "HOST:PORT",
       "Admin server address: /healthz /readyz /metrics /admin/* (default 127.0.0.1:9901)",
       ApplyAdminAddress},
      {"workers", "N", "Proxy worker threads, each with its own event loop (default: cores)",
       Number<size_t>(&Config::workers, 0, 1024)},
      {"port-offset", "N",
       "A listener on port P < 1024 is served on P + N (default 8000), so Atrium runs as non-root",
       Number<uint16_t>(&Config::port_offset, 0, 64511)},
      {"publish-address", "ADDR",
       "Address written to Ingress status.loadBalancer (repeatable; IP or hostname)",
       List(&Config::publish_addresses)},
      {"publish-service", "NS/NAME",
       "Service whose load-balancer addresses are written to Ingress status",
       Text(&Config::publish_service)},
      {"max-header-bytes", "N", "Largest request header section accepted, else 431 (default 65536)",
       Number<size_t>(&Config::max_header_bytes, 1024, size_t{16} * 1024 * 1024)},
      {"max-body-bytes", "N", "Largest request body accepted, else 413 (default 1073741824: 1 GiB)",
       Number<uint64_t>(&Config::max_body_bytes, 1, UINT64_MAX)},
      {"header-timeout", "DURATION",
       "Time a client has to send a request's headers, else 408 (default 10s)",
       Duration(&Config::header_timeout)},
      {"idle-timeout", "DURATION",
       "Idle keep-alive client connections are closed after (default 60s)",
       Duration(&Config::idle_timeout)},
      {"upstream-connect-timeout", "DURATION", "Upstream connect timeout (default 5s)",
       Duration(&Config::upstream_connect_timeout)},
      {"upstream-idle-timeout", "DURATION",
       "Idle pooled upstream connections are closed after (default 60s)",
       Duration(&Config::upstream_idle_timeout)},
      {"upstream-request-timeout", "DURATION",
       "Default time for an upstream response, else 504 (default 0: none)",
       Duration(&Config::upstream_request_timeout)},
      {"drain-timeout", "DURATION",
       "On SIGTERM, how long in-flight requests may finish (default 25s)",
       Duration(&Config::drain_timeout)},
      {"reconcile-holdoff", "DURATION",
       "Quiet time after a change before reconciling, when two other changes came this "
       "close before it (a burst); any other change is reconciled at once (default 2ms)",
       Duration(&Config::reconcile_holdoff)},
      {"reconcile-max-holdoff", "DURATION",
       "Longest delay of a reconcile during a burst of changes (default 50ms)",
       Duration(&Config::reconcile_max_holdoff)},
      {"leader-elect", nullptr,
       "Elect a leader with a coordination.k8s.io Lease; only the leader writes status",
       [](Config& config, const std::string& value) -> std::string {
         if (value.empty() || value == "true") {
           config.leader_elect = true;
         } else if (value == "false") {
           config.leader_elect = false;
         } else {
           return "expected true or false";
         }
         return "";
       }},
      {"leader-election-namespace", "NS", "Namespace of the Lease (default: the pod's namespace)",
       Text(&Config::leader_election_namespace)},
      {"leader-election-id", "NAME", "Name of the Lease (default atrium-leader)",
       Text(&Config::leader_election_id)},
      {"leader-elect-lease-duration", "DURATION", "Lease duration (default 15s)",
       Duration(&Config::lease_duration)},
      {"leader-elect-renew-deadline", "DURATION",
       "How long the leader retries renewing before giving up (default 10s)",
       Duration(&Config::renew_deadline)},
      {"leader-elect-retry-period", "DURATION", "Time between lease attempts (default 2s)",
       Duration(&Config::retry_period)},
      {"log-level", "LEVEL", "debug, info, warn or error (default info)",
       [](Config& config, const std::string& value) -> std::string {
         if (value != "debug" && value != "info" && value != "warn" && value != "error") {
           return "expected debug, info, warn or error";
         }
         config.log_level = value;
         return "";
       }},
  };
  return flags;
}

}  // namespace

bool ParseDuration(const std::string& text, std::chrono::milliseconds* out) {
  if (text.empty()) return false;
  if (text == "0") {
    *out = std::chrono::milliseconds(0);
    return true;
  }
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    if (start == i) return false;
    double value = 0;
    try {
      value = std::stod(text.substr(start, i - start));
    } catch (...) {
      return false;
    }
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string unit = text.substr(unit_start, i - unit_start);
    if (unit == "ms") {
      total_ms += value;
    } else if (unit == "s") {
      total_ms += value * 1000;
    } else if (unit == "m") {
      total_ms += value * 60'000;
    } else if (unit == "h") {
      total_ms += value * 3'600'000;
    } else {
      return false;
    }
  }
  *out = std::chrono::milliseconds(static_cast<int64_t>(total_ms));
  return true;
}

ParsedFlags ParseFlags(const std::vector<std::string>& args) {
  ParsedFlags parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    if (arg == "--version") {
      parsed.version = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      parsed.error = "unexpected argument \"" + arg + "\"";
      return parsed;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const Flag* flag = nullptr;
    for (const Flag& candidate : Flags()) {
      if (name == candidate.name) flag = &candidate;
    }
    if (flag == nullptr) {
      parsed.error = "unknown flag --" + name;
      return parsed;
    }
    if (!has_value && flag->value_name != nullptr) {
      if (i + 1 >= args.size()) {
        parsed.error = "flag --" + name + " needs a value";
        return parsed;
      }
      value = args[++i];
    }
    if (std::string error = flag->apply(parsed.config, value); !error.empty()) {
      parsed.error = StrCat("flag --", name, "=", value, ": ", error);
      return parsed;
    }
  }
  return parsed;
}

std::string HelpText() {
  std::ostringstream out;
  out << "Usage: atrium [flags]\n\n"
         "Atrium is a Kubernetes ingress controller and Gateway API implementation.\n"
         "Without --manifests it watches the cluster given by --kubeconfig, or the one it\n"
         "runs in.\n\nFlags:\n";
  for (const Flag& flag : Flags()) {
    std::string left = std::string("  --") + flag.name;
    if (flag.value_name != nullptr) left += std::string(" ") + flag.value_name;
    out << left;
    if (left.size() < 40)
      out << std::string(40 - left.size(), ' ');
    else
      out << "\n" << std::string(40, ' ');
    out << flag.help << "\n";
  }
  out << "  --help                                Print this help\n"
         "  --version                             Print the version\n";
  return out.str();
}

std::vector<std::string> FlagNames() {
  std::vector<std::string> names;
  for (const Flag& flag : Flags()) names.emplace_back(flag.name);
  names.emplace_back("help");
  names.emplace_back("version");
  return names;
}

size_t WorkerCount(const Config& config) {
  if (config.workers > 0) return config.workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace atrium::core
