#include "controller/translate/ingress_translator.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/str_cat.h"
#include "controller/ir/path_normal_form.h"
#include "controller/translate/app_protocols.h"
#include "controller/translate/hostnames.h"
#include "controller/translate/input.h"
#include "controller/translate/object_meta.h"
#include "controller/translate/ports.h"
#include "controller/translate/tls_secrets.h"

namespace atrium::translate {
namespace {

constexpr const char* kDefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class";
constexpr const char* kLegacyClassAnnotation = "kubernetes.io/ingress.class";
// Opt-in HTTP -> HTTPS redirect (308) for the hosts an Ingress serves with
// TLS; ingress-nginx's spelling is accepted too, ours wins when both are set.
constexpr const char* kSslRedirectAnnotation = "atrium.dev/ssl-redirect";
constexpr const char* kNginxSslRedirectAnnotation = "nginx.ingress.kubernetes.io/ssl-redirect";
constexpr uint16_t kIngressPort = 80;
constexpr uint16_t kIngressTlsPort = 443;

// SkipPath rejects one path (or the default backend) of an Ingress.
struct SkipPath {
  std::string reason;
};

struct IngressClasses {
  std::set<std::string> ours;
  std::vector<std::string> defaults;  // every class marked default, any controller
};

IngressClasses ReadIngressClasses(const state::ObjectMap& classes, ProblemList& problems) {
  IngressClasses result;
  for (const auto& [key, object] : classes) {
    try {
      ObjectMeta meta = ParseObjectMeta(object);
      std::string controller = String(Object(object, "spec", ""), "controller", "spec");
      if (controller == kIngressControllerName) result.ours.insert(meta.name);
      auto annotation = meta.annotations().find(kDefaultClassAnnotation);
      if (annotation != meta.annotations().end() && annotation->second == "true") {
        result.defaults.push_back(meta.name);
      }
    } catch (const std::exception& e) {
      problems.Add(state::kIngressClass, "", key,
                   std::string("malformed IngressClass: ") + e.what());
    }
  }
  return result;
}

enum class ClassMatch { kOurs, kNotOurs };

ClassMatch ResolveClass(const ObjectMeta& meta, const nlohmann::json& object,
                        const IngressClasses& classes, ProblemList& problems) {
  std::string class_name = String(Object(object, "spec", ""), "ingressClassName", "spec");
  if (!class_name.empty()) {
    return classes.ours.contains(class_name) ? ClassMatch::kOurs : ClassMatch::kNotOurs;
  }
  auto legacy = meta.annotations().find(kLegacyClassAnnotation);
  if (legacy != meta.annotations().end()) {
    return classes.ours.contains(legacy->second) ? ClassMatch::kOurs : ClassMatch::kNotOurs;
  }
  bool ours_among_defaults =
      std::any_of(classes.defaults.begin(), classes.defaults.end(),
                  [&](const std::string& name) { return classes.ours.contains(name); });
  if (!ours_among_defaults) return ClassMatch::kNotOurs;
  if (classes.defaults.size() > 1) {
    // The API server's admission would refuse this Ingress; do not guess.
    problems.Add(state::kIngress, meta.ns, meta.name,
                 "the Ingress names no class and several IngressClasses are marked default; "
                 "ignored");
    return ClassMatch::kNotOurs;
  }
  return ClassMatch::kOurs;
}

// A route one Ingress asks for, before conflicts between Ingresses are
// resolved.
struct Candidate {
  Host hostname;
  bool fallback = false;  // defaultBackend
  std::string conflict_key;
  std::string description;
  ObjectMeta meta;
  PrecedenceKey precedence;
  ir::Route route;
  // Answered on the HTTP listener with a 308 to https (ssl-redirect).
  bool ssl_redirect = false;
};

std::string JoinBackendName(const std::string& ns, const std::string& service,
                            const std::string& port) {
  return ns + "/" + service + ":" + port;
}

ir::Backend ResolveBackend(const nlohmann::json& backend, const std::string& path,
                           const ObjectMeta& meta, const ServiceIndex& services,
                           ProblemList& problems) {
  if (const nlohmann::json* resource = Member(backend, "resource", path)) {
    // Atrium routes to Services only; say which object was asked for.
    auto text = [resource](const char* field) {
      auto it = resource->is_object() ? resource->find(field) : resource->end();
      return it != resource->end() && it->is_string() ? it->get<std::string>() : "";
    };
    std::string group = text("apiGroup");
    std::string target = text("kind") + (group.empty() ? "" : "." + group) + " " + text("name");
    throw SkipPath{"resource backends are not supported, only Service backends (" + path +
                   ".resource: " + target + ")"};
  }
  const nlohmann::json* service_ref = Member(backend, "service", path);
  if (service_ref == nullptr) throw SkipPath{path + ": no service backend"};
  std::string service_path = Path(path, "service");
  std::string service_name = String(*service_ref, "name", service_path);
  if (service_name.empty()) throw SkipPath{service_path + ".name: missing"};
  const nlohmann::json& port_ref = Object(*service_ref, "port", service_path);
  std::string port_path = Path(service_path, "port");
  std::optional<int64_t> port_number = OptInt(port_ref, "number", port_path);
  std::string port_name = String(port_ref, "name", port_path);
  if (!port_number && port_name.empty()) throw SkipPath{port_path + ": needs a number or a name"};
  if (port_number && (*port_number < 1 || *port_number > 65535)) {
    throw SkipPath{port_path + ".number: out of range"};
  }

  ir::Backend result;
  result.weight = 1;
  std::string port_label = port_number ? std::to_string(*port_number) : port_name;
  const Service* service = services.Find(meta.ns, service_name);
  if (service == nullptr) {
    // Answered with 503 (no endpoints), as ingress controllers do, until the
    // Service appears.
    problems.Add(state::kIngress, meta.ns, meta.name,
                 "Service " + meta.ns + "/" + service_name + " does not exist");
    result.name = JoinBackendName(meta.ns, service_name, port_label);
    return result;
  }
  const ServicePort* port = port_number ? service->FindPort(*port_number)
                                        : service->FindPort(std::string_view(port_name));
  if (port == nullptr) {
    problems.Add(state::kIngress, meta.ns, meta.name,
                 "Service " + meta.ns + "/" + service_name + " has no TCP port " + port_label);
    result.name = JoinBackendName(meta.ns, service_name, port_label);
    return result;
  }
  result.name = JoinBackendName(meta.ns, service_name, std::to_string(port->port));
  result.endpoints = services.Endpoints(*service, *port);
  if (IsSupportedAppProtocol(port->app_protocol)) result.app_protocol = port->app_protocol;
  return result;
}

ir::PathMatch ParsePath(const nlohmann::json& http_path, const std::string& path) {
  std::string type = String(http_path, "pathType", path);
  std::string value = String(http_path, "path", path);
  if (type.empty()) throw SkipPath{path + ".pathType: required"};
  if (type != "Exact" && type != "Prefix" && type != "ImplementationSpecific") {
    throw SkipPath{path + ".pathType: unknown type \"" + type + "\""};
  }
  if (value.empty()) {
    if (type != "ImplementationSpecific") throw SkipPath{path + ".path: required for " + type};
    value = "/";
  }
  if (value.front() != '/') throw SkipPath{path + ".path: must be an absolute path"};
  // Compared with request paths in their normal form: kept in that form too.
  ir::NormalizedPath normal = ir::NormalizePath(value);
  if (normal.malformed) throw SkipPath{path + ".path: has an invalid percent-encoding"};
  if (normal.changed) value = std::move(*normal.changed);
  // ImplementationSpecific is served as Prefix.
  return ir::PathMatch{type == "Exact" ? ir::PathMatchKind::kExact : ir::PathMatchKind::kPrefix,
                       value};
}

std::string Describe(const Host& host, const ir::PathMatch& path) {
  std::string text = host.kind == ir::HostnameKind::kAny ? "any host" : "host " + host.name.str();
  text += path.kind == ir::PathMatchKind::kExact ? ", Exact path " : ", Prefix path ";
  return text + path.value;
}

Candidate MakeCandidate(const ObjectMeta& meta, const Host& host, std::string_view host_text,
                        ir::PathMatch path, ir::Backend backend, size_t rule, size_t index) {
  Candidate candidate;
  candidate.hostname = host;
  candidate.meta = meta;
  candidate.route.name = "ingress/" + meta.ns + "/" + meta.name;
  candidate.route.match.path = std::move(path);
  candidate.route.backends.push_back(std::move(backend));
  candidate.precedence.creation_time = meta.creation_time;
  candidate.precedence.ns = meta.ns;
  candidate.precedence.name = meta.name;
  candidate.precedence.kind = state::kIngress;
  candidate.precedence.gateway_rank = UINT32_MAX;  // after every Gateway
  candidate.precedence.rule_index = static_cast<uint32_t>(rule);
  candidate.precedence.match_index = static_cast<uint32_t>(index);
  SetHostPrecedence(host_text, candidate.precedence);
  SetMatchPrecedence(candidate.route.match, candidate.precedence);
  const ir::PathMatch& match = candidate.route.match.path;
  candidate.conflict_key = host.name.str() + "|" + std::to_string(static_cast<int>(host.kind)) +
                           "|" + std::to_string(static_cast<int>(match.kind)) + "|" +
                           NormalizedPrefix(match.value);
  candidate.description = Describe(host, match);
  return candidate;
}

// IngressCertificate is one spec.tls entry of an Ingress, resolved.
struct IngressCertificate {
  ObjectMeta meta;
  ir::TlsCertificate certificate;
};

// ParseTls resolves spec.tls: each entry's Secret (same namespace) becomes a
// certificate for its hosts. Bad hosts and unusable Secrets are reported.
std::vector<IngressCertificate> ParseTls(const ObjectMeta& meta, const nlohmann::json& spec,
                                         const state::ObjectMap& secrets, const Options& options,
                                         ProblemList& problems) {
  std::vector<IngressCertificate> result;
  const nlohmann::json& entries = Array(spec, "tls", "spec");
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string path = Path("spec.tls", i);
    IngressCertificate entry{meta, {}};
    const nlohmann::json& hosts = Array(entries[i], "hosts", path);
    for (size_t h = 0; h < hosts.size(); ++h) {
      std::string host = StringValue(hosts[h], Path(Path(path, "hosts"), h));
      if (!ParseIngressHost(host)) {
        problems.Add(state::kIngress, meta.ns, meta.name,
                     Path(path, "hosts") + ": \"" + host + "\" is not a valid hostname; ignored");
        continue;
      }
      entry.certificate.hostnames.push_back(host);
    }
    std::string secret_name = String(entries[i], "secretName", path);
    if (secret_name.empty()) {
      problems.Add(state::kIngress, meta.ns, meta.name,
                   path + ": no secretName, and Atrium has no default certificate; ignored");
      continue;
    }
    TlsSecretResult secret =
        LoadTlsSecret(secrets, meta.ns, secret_name, options.certificate_error);
    if (!secret.key_pair) {
      problems.Add(state::kIngress, meta.ns, meta.name, path + " ignored: " + secret.error);
      continue;
    }
    entry.certificate.certificate_pem = std::move(secret.key_pair->certificate_pem);
    entry.certificate.private_key_pem = std::move(secret.key_pair->private_key_pem);
    result.push_back(std::move(entry));
  }
  return result;
}

// ParseIngress returns the routes one Ingress asks for; bad paths are
// reported and skipped.
std::vector<Candidate> ParseIngress(const ObjectMeta& meta, const nlohmann::json& object,
                                    const ServiceIndex& services, ProblemList& problems) {
  std::vector<Candidate> candidates;
  const nlohmann::json& spec = Object(object, "spec", "");
  if (const nlohmann::json* backend = Member(spec, "defaultBackend", "spec")) {
    try {
      ir::Backend resolved =
          ResolveBackend(*backend, "spec.defaultBackend", meta, services, problems);
      Candidate candidate =
          MakeCandidate(meta, Host{}, "", ir::PathMatch{}, std::move(resolved), 0, 0);
      candidate.fallback = true;
      candidate.precedence.fallback = true;
      candidate.conflict_key = "defaultBackend";
      candidate.description = "defaultBackend";
      candidates.push_back(std::move(candidate));
    } catch (const SkipPath& skip) {
      problems.Add(state::kIngress, meta.ns, meta.name, "defaultBackend ignored: " + skip.reason);
    }
  }
  const nlohmann::json& rules = Array(spec, "rules", "spec");
  for (size_t r = 0; r < rules.size(); ++r) {
    std::string rule_path = Path("spec.rules", r);
    std::string host_text = String(rules[r], "host", rule_path);
    Host host;
    if (!host_text.empty()) {
      std::optional<Host> parsed = ParseIngressHost(host_text);
      if (!parsed) {
        problems.Add(
            state::kIngress, meta.ns, meta.name,
            StrCat(rule_path, ".host: \"", host_text, "\" is not a valid hostname; rule ignored"));
        continue;
      }
      host = *parsed;
    }
    const nlohmann::json& http = Object(rules[r], "http", rule_path);
    std::string paths_path = Path(Path(rule_path, "http"), "paths");
    const nlohmann::json& paths = Array(http, "paths", Path(rule_path, "http"));
    for (size_t p = 0; p < paths.size(); ++p) {
      std::string path = Path(paths_path, p);
      try {
        ir::PathMatch match = ParsePath(paths[p], path);
        ir::Backend backend = ResolveBackend(Object(paths[p], "backend", path),
                                             Path(path, "backend"), meta, services, problems);
        candidates.push_back(
            MakeCandidate(meta, host, host_text, std::move(match), std::move(backend), r, p));
      } catch (const SkipPath& skip) {
        problems.Add(state::kIngress, meta.ns, meta.name, "path ignored: " + skip.reason);
      } catch (const InputError& e) {
        problems.Add(state::kIngress, meta.ns, meta.name, std::string("path ignored: ") + e.what());
      }
    }
  }
  return candidates;
}

// WantsSslRedirect reads the ssl-redirect annotations: true, false, or
// nullopt with a problem for any other value.
bool WantsSslRedirect(const ObjectMeta& meta, ProblemList& problems) {
  for (const char* name : {kSslRedirectAnnotation, kNginxSslRedirectAnnotation}) {
    auto it = meta.annotations().find(name);
    if (it == meta.annotations().end()) continue;
    if (it->second == "true") return true;
    if (it->second != "false") {
      problems.Add(state::kIngress, meta.ns, meta.name,
                   std::string("annotation ") + name + ": \"" + it->second +
                       "\" is neither \"true\" nor \"false\"; no redirect");
    }
    return false;
  }
  return false;
}

// MarkSslRedirects flags the rules of an Ingress that asked for ssl-redirect
// whose host one of its own usable tls entries covers: a host whose
// certificate is missing or broken keeps being served over HTTP rather than
// being sent to an HTTPS listener that cannot serve it.
void MarkSslRedirects(const std::vector<IngressCertificate>& tls, std::vector<Candidate>& routes) {
  std::vector<Host> tls_hosts;
  for (const IngressCertificate& entry : tls) {
    for (const std::string& name : entry.certificate.hostnames) {
      if (std::optional<Host> host = ParseIngressHost(name)) tls_hosts.push_back(*host);
    }
  }
  for (Candidate& candidate : routes) {
    if (candidate.fallback || candidate.hostname.kind == ir::HostnameKind::kAny) continue;
    candidate.ssl_redirect = std::any_of(tls_hosts.begin(), tls_hosts.end(), [&](const Host& host) {
      return Covers(host, candidate.hostname);
    });
  }
}

// SslRedirectRoute is route answered with a 308 to the same URL over https
// on the default port (443, as the spec's redirect port rules have it).
ir::Route SslRedirectRoute(const ir::Route& route) {
  ir::Route redirect;
  redirect.name = route.name;
  redirect.match = route.match;
  ir::RequestRedirect filter;
  filter.scheme = "https";
  filter.port = 0;
  filter.status_code = 308;
  redirect.filters.redirect = filter;
  return redirect;
}

// ServeOn places the kept Ingress routes on the implicit listener for port
// (HTTPS with certificates when tls), unless a Gateway listener made that
// port incompatible; then the affected Ingresses are reported and false is
// returned. With ssl_redirect, routes flagged for it redirect to https.
bool ServeOn(uint16_t port, bool tls, std::vector<ir::TlsCertificate> certificates,
             const std::vector<const Candidate*>& kept, const std::vector<ObjectMeta>& affected,
             const Options& options, ConfigDraft& draft, ProblemList& problems,
             bool ssl_redirect = false) {
  std::optional<uint16_t> bind_port = BindPort(port, options.port_offset);
  SocketKey socket_key{"", bind_port.value_or(0)};
  auto existing = draft.sockets.find(socket_key);
  if (!bind_port || (existing != draft.sockets.end() &&
                     (existing->second.tls != tls || existing->second.port != port))) {
    std::string why = !bind_port ? "port " + std::to_string(port) + " + port offset is out of range"
                                 : "port " + std::to_string(socket_key.bind_port) +
                                       " is already used by " + existing->second.owner;
    for (const ObjectMeta& meta : affected) {
      problems.Add(state::kIngress, meta.ns, meta.name,
                   "not served on port " + std::to_string(port) + ": " + why);
    }
    return false;
  }
  Socket& socket = draft.sockets[socket_key];
  if (existing == draft.sockets.end()) {
    socket.port = port;
    socket.tls = tls;
    socket.owner = "Ingress";
  }
  for (ir::TlsCertificate& certificate : certificates) {
    if (std::find(socket.certificates.begin(), socket.certificates.end(), certificate) ==
        socket.certificates.end()) {
      socket.certificates.push_back(std::move(certificate));
    }
  }
  std::set<Host> ingress_claims;
  for (const Candidate* candidate : kept) ingress_claims.insert(candidate->hostname);
  socket.claims.insert(ingress_claims.begin(), ingress_claims.end());

  for (const Candidate* candidate : kept) {
    if (!candidate->fallback) {
      draft.entries.Add(std::make_shared<const RouteEntry>(
          RouteEntry{socket_key, candidate->hostname, candidate->hostname, candidate->precedence,
                     ssl_redirect && candidate->ssl_redirect ? SslRedirectRoute(candidate->route)
                                                             : candidate->route}));
      continue;
    }
    // The default backend answers whatever no rule matches, on every host the
    // Ingresses serve.
    const SharedValue<ir::Route> route = candidate->route;
    for (const Host& claim : ingress_claims) {
      draft.entries.Add(std::make_shared<const RouteEntry>(
          RouteEntry{socket_key, claim, claim, candidate->precedence, route}));
    }
  }
  return true;
}

// ServeHttps serves the kept routes on the implicit HTTPS listener with every
// usable spec.tls certificate; false when that listener cannot be served.
bool ServeHttps(std::vector<IngressCertificate>& certificates,
                const std::vector<const Candidate*>& kept, const Options& options,
                ConfigDraft& draft, ProblemList& problems) {
  // Certificates of older Ingresses first: the first one is the default for
  // clients that send no SNI.
  std::stable_sort(certificates.begin(), certificates.end(),
                   [](const IngressCertificate& a, const IngressCertificate& b) {
                     return OlderThan(a.meta, b.meta);
                   });
  std::vector<ir::TlsCertificate> pems;
  std::vector<ObjectMeta> with_tls;
  for (IngressCertificate& entry : certificates) {
    if (std::find(pems.begin(), pems.end(), entry.certificate) == pems.end()) {
      pems.push_back(std::move(entry.certificate));
    }
    with_tls.push_back(entry.meta);
  }
  return ServeOn(kIngressTlsPort, true, std::move(pems), kept, with_tls, options, draft, problems);
}

}  // namespace

nlohmann::json IngressStatus(const std::vector<std::string>& publish_addresses) {
  nlohmann::json load_balancer = nlohmann::json::object();
  if (!publish_addresses.empty()) {
    nlohmann::json ingress = nlohmann::json::array();
    for (const std::string& address : publish_addresses) {
      ingress.push_back({{IsIpAddress(address) ? "ip" : "hostname", address}});
    }
    load_balancer["ingress"] = std::move(ingress);
  }
  return nlohmann::json{{"loadBalancer", std::move(load_balancer)}};
}

void TranslateIngresses(const state::ClusterState& state, const Options& options,
                        const ServiceIndex& services, ConfigDraft& draft,
                        std::vector<SharedStatus>& statuses, ProblemList& problems) {
  IngressClasses classes = ReadIngressClasses(state.ingress_classes, problems);
  std::vector<Candidate> candidates;
  std::vector<IngressCertificate> certificates;
  std::vector<ObjectMeta> ours;
  for (const auto& [key, object] : state.ingresses) {
    ObjectMeta meta;
    try {
      meta = ParseObjectMeta(object);
      if (ResolveClass(meta, object, classes, problems) != ClassMatch::kOurs) continue;
    } catch (const std::exception& e) {
      auto [ns, name] = SplitKey(key);
      problems.Add(state::kIngress, ns, name, std::string("malformed Ingress: ") + e.what());
      continue;
    }
    ours.push_back(meta);
    statuses.push_back(ObjectStatus{std::string(state::kIngress), meta.ns, meta.name,
                                    meta.generation, IngressStatus(options.publish_addresses)});
    try {
      std::vector<Candidate> routes = ParseIngress(meta, object, services, problems);
      std::vector<IngressCertificate> tls =
          ParseTls(meta, Object(object, "spec", ""), state.secrets, options, problems);
      if (WantsSslRedirect(meta, problems)) MarkSslRedirects(tls, routes);
      for (Candidate& candidate : routes) candidates.push_back(std::move(candidate));
      for (IngressCertificate& entry : tls) certificates.push_back(std::move(entry));
    } catch (const std::exception& e) {
      problems.Add(state::kIngress, meta.ns, meta.name,
                   std::string("malformed Ingress, not served: ") + e.what());
    }
  }
  if (candidates.empty()) return;

  // Conflicts: the first candidate in precedence order (the oldest Ingress,
  // then namespace/name) keeps a host and path.
  std::stable_sort(
      candidates.begin(), candidates.end(),
      [](const Candidate& a, const Candidate& b) { return Before(a.precedence, b.precedence); });
  std::map<std::string, const Candidate*> owners;
  std::vector<const Candidate*> kept;
  for (const Candidate& candidate : candidates) {
    auto [it, inserted] = owners.emplace(candidate.conflict_key, &candidate);
    if (inserted) {
      kept.push_back(&candidate);
      continue;
    }
    const ObjectMeta& owner = it->second->meta;
    problems.Add(state::kIngress, candidate.meta.ns, candidate.meta.name,
                 candidate.description + " is already served by Ingress " + owner.Key() +
                     " (older, or first by namespace/name); ignored here");
  }

  // HTTPS first: the HTTP listener redirects only when it is served.
  bool https_served = false;
  if (!certificates.empty()) {
    https_served = ServeHttps(certificates, kept, options, draft, problems);
  }
  ServeOn(kIngressPort, false, {}, kept, ours, options, draft, problems, https_served);
}

}  // namespace atrium::translate
