#include "controller/translate/gateway_translator.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "base/str_cat.h"
#include "controller/translate/conditions.h"
#include "controller/translate/input.h"
#include "controller/translate/ports.h"
#include "controller/translate/supported_features.h"
#include "controller/translate/tls_secrets.h"

namespace atrium::translate {
namespace {

constexpr std::string_view kHttpRouteKind = "HTTPRoute";

struct GatewayClassInfo {
  bool accepted = true;
  std::string message;
};

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// ReadGatewayClasses emits the status of our GatewayClasses and returns them
// by name.
std::map<std::string, GatewayClassInfo> ReadGatewayClasses(const state::ObjectMap& classes,
                                                           std::vector<SharedStatus>& statuses,
                                                           ProblemList& problems) {
  std::map<std::string, GatewayClassInfo> ours;
  for (const auto& [key, object] : classes) {
    try {
      ObjectMeta meta = ParseObjectMeta(object);
      const nlohmann::json& spec = Object(object, "spec", "");
      if (String(spec, "controllerName", "spec") != kGatewayControllerName) continue;
      GatewayClassInfo info;
      nlohmann::json status = nlohmann::json::object();
      if (Member(spec, "parametersRef", "spec") != nullptr) {
        info.accepted = false;
        info.message = "parametersRef is not supported by Atrium";
        status["conditions"] = nlohmann::json::array(
            {Condition("Accepted", false, "InvalidParameters", info.message, meta.generation)});
      } else {
        status["conditions"] = nlohmann::json::array({Condition(
            "Accepted", true, "Accepted", "GatewayClass is accepted by Atrium", meta.generation)});
        nlohmann::json features = nlohmann::json::array();
        for (std::string_view feature : kSupportedFeatures) features.push_back({{"name", feature}});
        status["supportedFeatures"] = std::move(features);
      }
      ours[meta.name] = info;
      statuses.push_back(ObjectStatus{std::string(state::kGatewayClass), "", meta.name,
                                      meta.generation, std::move(status)});
    } catch (const std::exception& e) {
      problems.Add(state::kGatewayClass, "", key,
                   std::string("malformed GatewayClass: ") + e.what());
    }
  }
  return ours;
}

void Reject(ConditionState& condition, std::string reason, std::string message) {
  if (!condition.status) {
    condition.message += "; " + message;
    return;
  }
  condition = {false, std::move(reason), std::move(message)};
}

void ParseAllowedRoutes(const nlohmann::json& listener, const std::string& path,
                        GatewayListener& out) {
  const nlohmann::json& allowed = Object(listener, "allowedRoutes", path);
  std::string allowed_path = Path(path, "allowedRoutes");
  const nlohmann::json& namespaces = Object(allowed, "namespaces", allowed_path);
  std::string namespaces_path = Path(allowed_path, "namespaces");
  std::string from = String(namespaces, "from", namespaces_path, "Same");
  if (from == "Same") {
    out.from = FromNamespaces::kSame;
  } else if (from == "All") {
    out.from = FromNamespaces::kAll;
  } else if (from == "Selector") {
    out.from = FromNamespaces::kSelector;
    const nlohmann::json* selector = Member(namespaces, "selector", namespaces_path);
    if (selector == nullptr) {
      throw InputError(namespaces_path + ".selector: required when from is Selector");
    }
    out.selector = LabelSelector::Parse(*selector, Path(namespaces_path, "selector"));
  } else {
    throw InputError(namespaces_path + ".from: unsupported value \"" + from + "\"");
  }

  const nlohmann::json& kinds = Array(allowed, "kinds", allowed_path);
  out.supported_kinds = nlohmann::json::array();
  out.allows_http_route = kinds.empty();
  std::vector<std::string> invalid;
  for (size_t i = 0; i < kinds.size(); ++i) {
    std::string kind_path = Path(Path(allowed_path, "kinds"), i);
    std::string group = String(kinds[i], "group", kind_path, kGatewayGroup);
    std::string kind = String(kinds[i], "kind", kind_path);
    if (group == kGatewayGroup && kind == kHttpRouteKind) {
      out.allows_http_route = true;
    } else {
      invalid.push_back(group.empty() ? kind : StrCat(group, "/", kind));
    }
  }
  if (out.allows_http_route) {
    out.supported_kinds.push_back({{"group", kGatewayGroup}, {"kind", kHttpRouteKind}});
  }
  if (!invalid.empty()) {
    std::string list;
    for (const std::string& kind : invalid) list += (list.empty() ? "" : ", ") + kind;
    Reject(out.resolved_refs, "InvalidRouteKinds",
           "unsupported route kinds: " + list + " (" + out.protocol + " listeners take HTTPRoute)");
  }
}

// ParseListener reads one listener; problems that make it unusable are
// recorded in its conditions rather than thrown.
GatewayListener ParseListener(const nlohmann::json& listener, const std::string& path) {
  GatewayListener out;
  out.name = String(listener, "name", path);
  if (out.name.empty()) throw InputError(path + ".name: missing");
  out.port = OptInt(listener, "port", path).value_or(0);
  std::string protocol = String(listener, "protocol", path);
  std::string upper = Upper(protocol);
  out.protocol = (upper == "HTTP" || upper == "HTTPS") ? upper : protocol;
  out.tls = upper == "HTTPS";
  if (upper != "HTTP" && upper != "HTTPS") {
    Reject(out.accepted, "UnsupportedProtocol",
           "protocol \"" + protocol + "\" is not supported (HTTP and HTTPS are)");
    out.supported_kinds = nlohmann::json::array();
    out.allows_http_route = false;
    return out;
  }
  if (out.port < 1 || out.port > 65535) {
    Reject(out.accepted, "PortUnavailable", "port " + std::to_string(out.port) + " is invalid");
  }
  if (std::optional<std::string> hostname = OptString(listener, "hostname", path)) {
    std::optional<Host> parsed = ParseGatewayHostname(*hostname);
    if (!parsed) {
      Reject(out.accepted, "UnsupportedValue",
             "hostname \"" + *hostname + "\" is not a valid DNS name or wildcard");
    } else {
      out.hostname = *parsed;
    }
  }
  try {
    ParseAllowedRoutes(listener, path, out);
  } catch (const InputError& e) {
    Reject(out.accepted, "UnsupportedValue", e.what());
    out.allows_http_route = false;
  }
  if (out.tls) {
    const nlohmann::json& tls = Object(listener, "tls", path);
    std::string mode = String(tls, "mode", Path(path, "tls"), "Terminate");
    if (mode != "Terminate") {
      Reject(out.accepted, "UnsupportedValue",
             "tls.mode \"" + mode + "\" is not supported for HTTPS (Terminate is)");
    }
  }
  return out;
}

// MarkConflicts applies the distinctness rules within one Gateway.
void MarkConflicts(std::vector<GatewayListener>& listeners) {
  std::map<int64_t, std::set<std::string>> protocols_by_port;
  for (const GatewayListener& listener : listeners) {
    if (listener.accepted.status) protocols_by_port[listener.port].insert(listener.protocol);
  }
  std::map<std::pair<int64_t, Host>, int> hostnames;
  for (const GatewayListener& listener : listeners) {
    if (listener.accepted.status) ++hostnames[{listener.port, listener.hostname}];
  }
  for (GatewayListener& listener : listeners) {
    if (!listener.accepted.status) continue;
    if (protocols_by_port[listener.port].size() > 1) {
      listener.conflicted = {true, "ProtocolConflict",
                             "several protocols share port " + std::to_string(listener.port)};
    } else if (hostnames[{listener.port, listener.hostname}] > 1) {
      std::string host =
          listener.hostname.name.empty() ? "no hostname" : listener.hostname.name.str();
      listener.conflicted = {
          true, "HostnameConflict",
          "several listeners on port " + std::to_string(listener.port) + " use " + host};
    }
    // None of the conflicted listeners is served (the spec forbids picking a
    // winner): not accepted, reason Invalid as the conformance suite expects.
    if (listener.conflicted.status) {
      listener.accepted = {false, "Invalid", "conflicted: " + listener.conflicted.message};
    }
  }
}

// MarkOverlappingTls flags HTTPS listeners of one Gateway and port whose
// hostnames overlap (the spec requires detecting this).
void MarkOverlappingTls(std::vector<GatewayListener>& listeners) {
  for (size_t i = 0; i < listeners.size(); ++i) {
    for (size_t j = 0; j < listeners.size(); ++j) {
      GatewayListener& a = listeners[i];
      const GatewayListener& b = listeners[j];
      if (i == j || !a.tls || !b.tls || !a.programmed || !b.programmed || a.port != b.port) {
        continue;
      }
      if (Covers(a.hostname, b.hostname) || Covers(b.hostname, a.hostname)) {
        a.overlapping_tls = true;
        a.overlapping_message = "hostname overlaps with listener " + b.name;
      }
    }
  }
}

std::vector<ir::TlsCertificate> ResolveCertificates(const GatewayModel& gateway,
                                                    const nlohmann::json& listener,
                                                    const std::string& path, GatewayListener& out,
                                                    const state::ObjectMap& secrets,
                                                    const ReferenceGrantIndex& grants,
                                                    const Options& options) {
  std::vector<ir::TlsCertificate> certificates;
  const nlohmann::json& tls = Object(listener, "tls", path);
  std::string refs_path = Path(Path(path, "tls"), "certificateRefs");
  const nlohmann::json& refs = Array(tls, "certificateRefs", Path(path, "tls"));
  if (refs.empty()) {
    Reject(out.resolved_refs, "InvalidCertificateRef", "tls.certificateRefs is empty");
  }
  for (size_t i = 0; i < refs.size(); ++i) {
    std::string ref_path = Path(refs_path, i);
    std::string group = String(refs[i], "group", ref_path);
    std::string kind = String(refs[i], "kind", ref_path, "Secret");
    std::string name = String(refs[i], "name", ref_path);
    std::string ns = String(refs[i], "namespace", ref_path, gateway.meta.ns);
    std::string label = StrCat(ns, "/", name);
    if (!group.empty() || kind != "Secret") {
      Reject(out.resolved_refs, "InvalidCertificateRef",
             StrCat("certificateRef ", label, " has unsupported kind ",
                    group.empty() ? kind : StrCat(group, "/", kind)));
      continue;
    }
    if (!grants.Allows({std::string(kGatewayGroup), "Gateway", gateway.meta.ns, ""},
                       {"", "Secret", ns, name})) {
      Reject(out.resolved_refs, "RefNotPermitted",
             "certificateRef " + label + " is not permitted by any ReferenceGrant");
      continue;
    }
    TlsSecretResult secret = LoadTlsSecret(secrets, ns, name, options.certificate_error);
    if (!secret.key_pair) {
      Reject(out.resolved_refs, "InvalidCertificateRef", secret.error);
      continue;
    }
    ir::TlsCertificate certificate;
    if (out.hostname.kind != ir::HostnameKind::kAny) {
      certificate.hostnames.push_back(out.hostname.name.str());
    }
    certificate.certificate_pem = std::move(secret.key_pair->certificate_pem);
    certificate.private_key_pem = std::move(secret.key_pair->private_key_pem);
    certificates.push_back(std::move(certificate));
  }
  return certificates;
}

// ParseAddresses returns the bind addresses of a Gateway ("" when it has no
// spec.addresses) and fills its status addresses.
std::vector<std::string> ParseAddresses(const nlohmann::json& spec, const Options& options,
                                        GatewayModel& gateway) {
  std::vector<std::string> bind;
  const nlohmann::json& addresses = Array(spec, "addresses", "spec");
  for (size_t i = 0; i < addresses.size(); ++i) {
    std::string path = Path("spec.addresses", i);
    std::string type = String(addresses[i], "type", path, "IPAddress");
    std::string value = String(addresses[i], "value", path);
    if (type != "IPAddress" || !IsIpAddress(value)) {
      Reject(gateway.accepted, "UnsupportedAddress",
             "address " + (value.empty() ? "(empty)" : value) + " of type " + type +
                 " is not supported: Atrium binds IP addresses");
      continue;
    }
    if (std::find(bind.begin(), bind.end(), value) == bind.end()) bind.push_back(value);
  }
  gateway.addresses = nlohmann::json::array();
  if (bind.empty() && !addresses.empty()) return {};  // none usable: not accepted
  if (bind.empty()) {
    for (const std::string& address : options.publish_addresses) {
      gateway.addresses.push_back(
          {{"type", IsIpAddress(address) ? "IPAddress" : "Hostname"}, {"value", address}});
    }
    return {""};
  }
  for (const std::string& address : bind) {
    gateway.addresses.push_back({{"type", "IPAddress"}, {"value", address}});
  }
  return bind;
}

// ClaimSockets binds a valid listener to its sockets, or records why it
// cannot be.
void ClaimSockets(const GatewayModel& gateway, const std::vector<std::string>& addresses,
                  const std::vector<ir::TlsCertificate>& certificates, const Options& options,
                  GatewayListener& listener, ConfigDraft& draft) {
  std::optional<uint16_t> bind_port = BindPort(listener.port, options.port_offset);
  if (!bind_port) {
    Reject(listener.accepted, "PortUnavailable",
           "port " + std::to_string(listener.port) + " + offset " +
               std::to_string(options.port_offset) + " is out of range");
    return;
  }
  std::vector<SocketKey> keys;
  for (const std::string& address : addresses) {
    SocketKey key{address, *bind_port};
    auto it = draft.sockets.find(key);
    if (it != draft.sockets.end()) {
      if (it->second.port != listener.port) {
        Reject(listener.accepted, "PortUnavailable",
               "bind port " + std::to_string(*bind_port) + " is already used for port " +
                   std::to_string(it->second.port) + " by " + it->second.owner);
        return;
      }
      if (it->second.tls != listener.tls) {
        listener.conflicted = {true, "ProtocolConflict",
                               "port " + std::to_string(listener.port) + " is already " +
                                   (it->second.tls ? "HTTPS" : "HTTP") + " on " + it->second.owner};
        listener.accepted = {false, "Invalid", "conflicted: " + listener.conflicted.message};
        return;
      }
    }
    keys.push_back(key);
  }
  for (const SocketKey& key : keys) {
    auto [it, inserted] = draft.sockets.try_emplace(key);
    Socket& socket = it->second;
    if (inserted) {
      socket.port = static_cast<uint16_t>(listener.port);
      socket.tls = listener.tls;
      socket.owner = "Gateway " + gateway.meta.Key() + " listener " + listener.name;
    }
    socket.claims.insert(listener.hostname);
    if (listener.tls) socket.sni_scoped_claims.insert(listener.hostname);
    for (const ir::TlsCertificate& certificate : certificates) {
      if (std::find(socket.certificates.begin(), socket.certificates.end(), certificate) ==
          socket.certificates.end()) {
        socket.certificates.push_back(certificate);
      }
    }
  }
  listener.sockets = std::move(keys);
  listener.programmed = true;
}

void TranslateGateway(const nlohmann::json& object, const GatewayClassInfo& gateway_class,
                      const state::ClusterState& state, const Options& options,
                      const ReferenceGrantIndex& grants, ConfigDraft& draft,
                      GatewayModel& gateway) {
  const nlohmann::json& spec = Object(object, "spec", "");
  if (!gateway_class.accepted) {
    Reject(gateway.accepted, "Invalid", "GatewayClass is not accepted: " + gateway_class.message);
  }
  std::vector<std::string> addresses = ParseAddresses(spec, options, gateway);

  const nlohmann::json& listeners = Array(spec, "listeners", "spec");
  std::vector<const nlohmann::json*> sources;
  std::set<std::string> names;
  for (size_t i = 0; i < listeners.size(); ++i) {
    std::string path = Path("spec.listeners", i);
    GatewayListener listener = ParseListener(listeners[i], path);
    if (!names.insert(listener.name).second) {
      throw InputError(path + ".name: duplicate listener name \"" + listener.name + "\"");
    }
    gateway.listeners.push_back(std::move(listener));
    sources.push_back(&listeners[i]);
  }
  if (gateway.listeners.empty()) throw InputError("spec.listeners: at least one is required");
  MarkConflicts(gateway.listeners);

  bool gateway_ok = gateway.accepted.status;
  for (size_t i = 0; i < gateway.listeners.size(); ++i) {
    GatewayListener& listener = gateway.listeners[i];
    if (!listener.accepted.status || listener.conflicted.status || !gateway_ok) continue;
    std::vector<ir::TlsCertificate> certificates;
    if (listener.tls) {
      try {
        certificates = ResolveCertificates(gateway, *sources[i], Path("spec.listeners", i),
                                           listener, state.secrets, grants, options);
      } catch (const InputError& e) {
        Reject(listener.resolved_refs, "InvalidCertificateRef", e.what());
        certificates.clear();
      }
      if (certificates.empty()) continue;  // nothing to terminate TLS with
    }
    ClaimSockets(gateway, addresses, certificates, options, listener, draft);
  }
  MarkOverlappingTls(gateway.listeners);

  if (!gateway_ok) return;
  size_t programmed = std::count_if(gateway.listeners.begin(), gateway.listeners.end(),
                                    [](const GatewayListener& l) { return l.programmed; });
  if (programmed < gateway.listeners.size()) {
    std::string invalid;
    for (const GatewayListener& listener : gateway.listeners) {
      if (!listener.programmed) invalid += (invalid.empty() ? "" : ", ") + listener.name;
    }
    // A listener that is accepted but cannot be programmed (e.g. its
    // certificateRefs do not resolve) still takes routes and counts them
    // (conformance: GatewayWithAttachedRoutes); the Gateway stays accepted
    // while any listener is accepted and free of conflicts.
    const bool any_valid = std::any_of(
        gateway.listeners.begin(), gateway.listeners.end(),
        [](const GatewayListener& l) { return l.accepted.status && !l.conflicted.status; });
    gateway.accepted = {programmed > 0 || any_valid, "ListenersNotValid",
                        "invalid listeners: " + invalid};
  }
}

nlohmann::json RenderCondition(std::string_view type, const ConditionState& state,
                               int64_t generation) {
  return Condition(type, state.status, state.reason, state.message, generation);
}

nlohmann::json ListenerStatus(const GatewayListener& listener, int64_t generation) {
  nlohmann::json conditions = nlohmann::json::array();
  conditions.push_back(RenderCondition("Accepted", listener.accepted, generation));
  conditions.push_back(RenderCondition("Conflicted", listener.conflicted, generation));
  ConditionState programmed{true, "Programmed", "Listener is programmed"};
  if (!listener.programmed) programmed = {false, "Invalid", "Listener is not programmed"};
  conditions.push_back(RenderCondition("Programmed", programmed, generation));
  conditions.push_back(RenderCondition("ResolvedRefs", listener.resolved_refs, generation));
  if (listener.overlapping_tls) {
    conditions.push_back(Condition("OverlappingTLSConfig", true, "OverlappingHostnames",
                                   listener.overlapping_message, generation));
  }
  return nlohmann::json{{"name", listener.name},
                        {"supportedKinds", listener.supported_kinds},
                        {"attachedRoutes", listener.attached_routes},
                        {"conditions", std::move(conditions)}};
}

}  // namespace

GatewayModels TranslateGateways(const state::ClusterState& state, const Options& options,
                                const ReferenceGrantIndex& grants, ConfigDraft& draft,
                                std::vector<SharedStatus>& statuses, ProblemList& problems) {
  std::map<std::string, GatewayClassInfo> classes =
      ReadGatewayClasses(state.gateway_classes, statuses, problems);

  struct Pending {
    ObjectMeta meta;
    const nlohmann::json* object;
    const GatewayClassInfo* gateway_class;
  };
  std::vector<Pending> pending;
  for (const auto& [key, object] : state.gateways) {
    try {
      ObjectMeta meta = ParseObjectMeta(object);
      std::string class_name = String(Object(object, "spec", ""), "gatewayClassName", "spec");
      auto it = classes.find(class_name);
      if (it == classes.end()) continue;  // not ours
      pending.push_back({std::move(meta), &object, &it->second});
    } catch (const std::exception& e) {
      auto [ns, name] = SplitKey(key);
      problems.Add(state::kGateway, ns, name, std::string("malformed Gateway: ") + e.what());
    }
  }
  // Older Gateways claim shared sockets first.
  std::sort(pending.begin(), pending.end(),
            [](const Pending& a, const Pending& b) { return OlderThan(a.meta, b.meta); });

  GatewayModels models;
  for (size_t rank = 0; rank < pending.size(); ++rank) {
    GatewayModel gateway;
    gateway.meta = pending[rank].meta;
    gateway.rank = rank;
    try {
      TranslateGateway(*pending[rank].object, *pending[rank].gateway_class, state, options, grants,
                       draft, gateway);
    } catch (const std::exception& e) {
      // Only parsing throws, before any socket is claimed: the draft holds
      // nothing of this Gateway.
      gateway.accepted = {false, "Invalid", std::string("malformed Gateway: ") + e.what()};
      for (GatewayListener& listener : gateway.listeners) listener.programmed = false;
    }
    if (!gateway.accepted.status) {
      problems.Add(state::kGateway, gateway.meta.ns, gateway.meta.name,
                   "not accepted (" + gateway.accepted.reason + "): " + gateway.accepted.message);
    }
    for (const GatewayListener& listener : gateway.listeners) {
      if (!listener.accepted.status || listener.conflicted.status ||
          !listener.resolved_refs.status) {
        std::string reason = !listener.accepted.status    ? listener.accepted.message
                             : listener.conflicted.status ? listener.conflicted.message
                                                          : listener.resolved_refs.message;
        problems.Add(state::kGateway, gateway.meta.ns, gateway.meta.name,
                     "listener " + listener.name + ": " + reason);
      }
    }
    models[gateway.meta.Key()] = std::move(gateway);
  }
  return models;
}

void GatewayStatuses(const GatewayModels& models, std::vector<SharedStatus>& statuses) {
  for (const auto& [key, gateway] : models) {
    int64_t generation = gateway.meta.generation;
    bool any_programmed = std::any_of(gateway.listeners.begin(), gateway.listeners.end(),
                                      [](const GatewayListener& l) { return l.programmed; });
    ConditionState programmed{true, "Programmed", "Gateway is programmed"};
    if (!gateway.accepted.status || !any_programmed) {
      programmed = {false, "Invalid", "Gateway has no programmed listener"};
    }
    nlohmann::json listeners = nlohmann::json::array();
    for (const GatewayListener& listener : gateway.listeners) {
      listeners.push_back(ListenerStatus(listener, generation));
    }
    nlohmann::json status{
        {"addresses", gateway.addresses},
        {"conditions",
         nlohmann::json::array({RenderCondition("Accepted", gateway.accepted, generation),
                                RenderCondition("Programmed", programmed, generation)})},
        {"listeners", std::move(listeners)}};
    statuses.push_back(ObjectStatus{std::string(state::kGateway), gateway.meta.ns,
                                    gateway.meta.name, generation, std::move(status)});
  }
}

}  // namespace atrium::translate
