#pragma once

// GatewayClass and Gateway translation (Gateway API v1, standard channel).
//
// A GatewayClass is ours when spec.controllerName is
// atrium.dev/gateway-controller; a Gateway is ours when its class is. Each
// HTTP or HTTPS listener of an accepted Gateway claims its hostname on one
// socket per Gateway address: (address, port + offset when port < 1024).
// Gateways without spec.addresses share the all-addresses socket of a port,
// and their listeners are isolated by hostname across Gateways (see
// ConfigDraft). Within one Gateway, listeners that are not distinct are
// Conflicted (HostnameConflict, ProtocolConflict) and none of them is
// served; across Gateways, the older Gateway keeps a socket's protocol and
// the younger one's listener is Conflicted (ProtocolConflict). Two spec ports
// that bind the same port make the younger listener PortUnavailable.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/state/cluster_state.h"
#include "controller/translate/config_draft.h"
#include "controller/translate/hostnames.h"
#include "controller/translate/label_selector.h"
#include "controller/translate/object_meta.h"
#include "controller/translate/problems.h"
#include "controller/translate/reference_grants.h"
#include "controller/translate/translate.h"

namespace atrium::translate {

// ConditionState is one condition before rendering.
struct ConditionState {
  bool status = true;
  std::string reason;
  std::string message;
};

enum class FromNamespaces { kSame, kAll, kSelector };

struct GatewayListener {
  std::string name;
  int64_t port = 0;
  std::string protocol;  // "HTTP", "HTTPS", or as written when unsupported
  Host hostname;         // kAny when the listener has none
  bool tls = false;

  FromNamespaces from = FromNamespaces::kSame;
  std::optional<LabelSelector> selector;
  bool allows_http_route = true;  // HTTPRoute is among the supported kinds
  nlohmann::json supported_kinds = nlohmann::json::array();

  ConditionState accepted{true, "Accepted", "Listener is accepted"};
  ConditionState conflicted{false, "NoConflicts", "No conflicts"};
  ConditionState resolved_refs{true, "ResolvedRefs", "All references are resolved"};
  bool overlapping_tls = false;
  std::string overlapping_message;

  bool programmed = false;         // serves traffic
  std::vector<SocketKey> sockets;  // where it serves, when programmed
  int attached_routes = 0;         // Accepted routes attached to it
};

struct GatewayModel {
  ObjectMeta meta;
  size_t rank = 0;  // 0 = oldest Gateway (tie-break for shared sockets)
  ConditionState accepted{true, "Accepted", "Gateway is accepted"};
  nlohmann::json addresses = nlohmann::json::array();  // status.addresses
  std::vector<GatewayListener> listeners;
};

// GatewayModels holds our Gateways by "namespace/name".
using GatewayModels = std::map<std::string, GatewayModel>;

// TranslateGateways emits the status of every GatewayClass of ours, claims
// the sockets of every valid listener of our Gateways in draft, and returns
// the Gateways for route attachment. Gateway statuses are rendered later by
// GatewayStatuses, once routes have been counted.
GatewayModels TranslateGateways(const state::ClusterState& state, const Options& options,
                                const ReferenceGrantIndex& grants, ConfigDraft& draft,
                                std::vector<SharedStatus>& statuses, ProblemList& problems);

// GatewayStatuses renders the status of every Gateway in models.
void GatewayStatuses(const GatewayModels& models, std::vector<SharedStatus>& statuses);

}  // namespace atrium::translate
