#pragma once

// Translate is the pure heart of the control plane: it turns the objects in a
// ClusterState into the data-plane RouteConfig and the status every object
// should carry. No I/O, no clocks, no globals: the same input always yields
// the same output, so it is tested with data alone (golden files).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/shared_value.h"
#include "controller/ir/route_config.h"
#include "controller/state/cluster_state.h"

namespace atrium::translate {

inline constexpr const char* kIngressControllerName = "atrium.dev/ingress-controller";
inline constexpr const char* kGatewayControllerName = "atrium.dev/gateway-controller";

struct Options {
  // A listener on port P < 1024 is bound at P + port_offset (as Contour
  // does), so the process runs as non-root. Ports >= 1024 bind as written.
  uint16_t port_offset = 8000;
  // Addresses written to Ingress status.loadBalancer.ingress and Gateway
  // status.addresses (IPs or hostnames), from --publish-service/-address.
  std::vector<std::string> publish_addresses;
  // regex_error returns why pattern is not a valid regular expression for the
  // data plane (RE2 syntax), or "" when it is. Injected so that translate
  // stays free of RE2; null means every pattern is accepted.
  std::function<std::string(const std::string& pattern)> regex_error;
  // certificate_error returns why a PEM certificate chain and private key
  // (from a kubernetes.io/tls Secret) are unusable, or "" when they are fine.
  // Injected so that translate stays free of OpenSSL; null means only the
  // PEM structure is checked.
  std::function<std::string(const std::string& certificate_pem, const std::string& key_pem)>
      certificate_error;
};

// StatusBody is a status document, shared rather than copied: a pass that
// changed one route of thousands hands every other route's document,
// unchanged and uncopied, from the memo to the pass report and the status
// writer, and comparing it with the previous pass's is a pointer comparison.
using StatusBody = SharedValue<nlohmann::json>;

// ObjectStatus is the status one object should carry. For HTTPRoute, status
// holds only the parents entries whose controllerName is ours: the status
// writer merges them with other controllers' entries.
struct ObjectStatus {
  std::string kind;
  std::string ns;  // empty for cluster-scoped kinds
  std::string name;
  int64_t generation = 0;
  StatusBody status;
  bool operator==(const ObjectStatus&) const = default;
};

// SharedStatus is an ObjectStatus held once and shared: the memo, the pass
// that replays it, the pass report and the status delta all hold the same
// object (16 bytes each), not copies of it (120 bytes and up each).
using SharedStatus = SharedValue<ObjectStatus>;

// Problem is a piece of bad input, reported with a log line and in
// /admin/status; translate carries on with everything else.
struct Problem {
  std::string kind;
  std::string ns;
  std::string name;
  std::string reason;
  bool operator==(const Problem&) const = default;
};

struct Result {
  ir::RouteConfig config;
  std::vector<SharedStatus> statuses;  // sorted by kind, namespace, name
  std::vector<Problem> problems;       // sorted by kind, namespace, name
};

struct TranslateMemo;

// Translate computes the whole result from state. With a memo (see
// route_memo.h), HTTPRoutes whose inputs did not change since the memo last
// saw them are replayed instead of translated again, and unchanged virtual
// hosts are the same objects as in the previous result; the result is equal
// to one computed without.
Result Translate(const state::ClusterState& state, const Options& options,
                 TranslateMemo* memo = nullptr);

// ToJson renders a Result for golden files and /admin/status.
nlohmann::json ToJson(const Result& result);
// StatusesToJson and ProblemsToJson render those parts alone, as ToJson does
// (/admin/status, without rendering the whole configuration).
nlohmann::json StatusesToJson(const std::vector<SharedStatus>& statuses);
nlohmann::json ProblemsToJson(const std::vector<Problem>& problems);

}  // namespace atrium::translate
