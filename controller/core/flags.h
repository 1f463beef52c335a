#pragma once

// Command-line flags of the atrium binary. Parsing is pure (argv in, a
// Config or an error out) so it is tested without starting anything; the
// same table of flags prints --help, which the chart tests compare against.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace atrium::core {

struct Config {
  // Sources: exactly one of manifests_dir (local mode) or cluster mode.
  std::string manifests_dir;
  std::string kubeconfig;  // empty with no manifests_dir: in-cluster config
  std::vector<std::string> watch_namespaces;

  std::string admin_address = "127.0.0.1";
  uint16_t admin_port = 9901;

  size_t workers = 0;  // 0: one per core
  uint16_t port_offset = 8000;
  // Address of listeners that name none (not a flag: tests keep to loopback).
  std::string default_bind_address = "0.0.0.0";
  std::vector<std::string> publish_addresses;
  std::string publish_service;  // "namespace/name"

  // Data-plane limits.
  size_t max_header_bytes = size_t{64} * 1024;
  uint64_t max_body_bytes = 1024ULL * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds upstream_connect_timeout{5'000};
  std::chrono::milliseconds upstream_idle_timeout{60'000};
  std::chrono::milliseconds upstream_request_timeout{0};  // 0: none unless a route sets one
  std::chrono::milliseconds drain_timeout{25'000};

  // Reconciler batching.
  std::chrono::milliseconds reconcile_holdoff{2};
  std::chrono::milliseconds reconcile_max_holdoff{50};

  // Leader election (status writes only).
  bool leader_elect = false;
  std::string leader_election_namespace;
  std::string leader_election_id = "atrium-leader";
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};

  std::string log_level = "info";
};

struct ParsedFlags {
  Config config;
  bool help = false;
  bool version = false;
  std::string error;  // non-empty: print it and exit 2
};

ParsedFlags ParseFlags(const std::vector<std::string>& args);

// WorkerCount is how many proxy workers config asks for: --workers, else
// one per core.
size_t WorkerCount(const Config& config);

// HelpText lists every flag with its default.
std::string HelpText();

// FlagNames lists every flag name without dashes (for tests and tooling).
std::vector<std::string> FlagNames();

// ParseDuration reads "250ms", "10s", "1m", "1h" or "1m30s"; false on error.
bool ParseDuration(const std::string& text, std::chrono::milliseconds* out);

}  // namespace atrium::core
