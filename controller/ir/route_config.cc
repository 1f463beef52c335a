#include "controller/ir/route_config.h"

#include <set>
#include <string_view>
#include <tuple>

#include <nlohmann/json.hpp>

namespace atrium::ir {
namespace {

const char* KindName(HostnameKind kind) {
  switch (kind) {
    case HostnameKind::kAny:
      return "any";
    case HostnameKind::kExact:
      return "exact";
    case HostnameKind::kWildcardOneLabel:
      return "wildcard_one_label";
    case HostnameKind::kWildcardAnyLabels:
      return "wildcard_any_labels";
  }
  return "unknown";
}

const char* PathKindName(PathMatchKind kind) {
  switch (kind) {
    case PathMatchKind::kExact:
      return "exact";
    case PathMatchKind::kPrefix:
      return "prefix";
    case PathMatchKind::kRegularExpression:
      return "regex";
  }
  return "unknown";
}

const char* ValueKindName(ValueMatchKind kind) {
  return kind == ValueMatchKind::kExact ? "exact" : "regex";
}

const char* ModifierKindName(PathModifierKind kind) {
  switch (kind) {
    case PathModifierKind::kNone:
      return "none";
    case PathModifierKind::kReplaceFullPath:
      return "replace_full_path";
    case PathModifierKind::kReplacePrefixMatch:
      return "replace_prefix_match";
  }
  return "unknown";
}

nlohmann::json HeadersJson(const std::vector<Header>& headers) {
  nlohmann::json result = nlohmann::json::array();
  for (const Header& header : headers)
    result.push_back({{"name", header.name}, {"value", header.value}});
  return result;
}

nlohmann::json ModifierJson(const HeaderModifier& modifier) {
  nlohmann::json result = nlohmann::json::object();
  if (!modifier.set.empty()) result["set"] = HeadersJson(modifier.set);
  if (!modifier.add.empty()) result["add"] = HeadersJson(modifier.add);
  if (!modifier.remove.empty()) result["remove"] = modifier.remove;
  return result;
}

nlohmann::json PathModifierJson(const PathModifier& modifier) {
  return {{"kind", ModifierKindName(modifier.kind)}, {"value", modifier.value}};
}

nlohmann::json EndpointsJson(const std::vector<Endpoint>& endpoints) {
  nlohmann::json result = nlohmann::json::array();
  for (const Endpoint& endpoint : endpoints) {
    nlohmann::json item{{"address", endpoint.address}, {"port", endpoint.port}};
    if (!endpoint.ready) item["ready"] = false;
    result.push_back(std::move(item));
  }
  return result;
}

// FiltersJson renders only the filters that are set; empty filters render as
// an empty object.
nlohmann::json FiltersJson(const Filters& filters) {
  nlohmann::json result = nlohmann::json::object();
  if (filters.request_headers) result["request_headers"] = ModifierJson(*filters.request_headers);
  if (filters.response_headers) {
    result["response_headers"] = ModifierJson(*filters.response_headers);
  }
  if (filters.redirect) {
    const RequestRedirect& redirect = *filters.redirect;
    nlohmann::json item{{"status_code", redirect.status_code}, {"port", redirect.port}};
    if (redirect.scheme) item["scheme"] = *redirect.scheme;
    if (redirect.hostname) item["hostname"] = *redirect.hostname;
    if (redirect.path.kind != PathModifierKind::kNone)
      item["path"] = PathModifierJson(redirect.path);
    result["redirect"] = std::move(item);
  }
  if (filters.rewrite) {
    nlohmann::json item = nlohmann::json::object();
    if (filters.rewrite->hostname) item["hostname"] = *filters.rewrite->hostname;
    if (filters.rewrite->path.kind != PathModifierKind::kNone) {
      item["path"] = PathModifierJson(filters.rewrite->path);
    }
    result["rewrite"] = std::move(item);
  }
  if (!filters.mirrors.empty()) {
    nlohmann::json mirrors = nlohmann::json::array();
    for (const RequestMirror& mirror : filters.mirrors) {
      mirrors.push_back({{"backend_name", mirror.backend_name},
                         {"endpoints", EndpointsJson(mirror.endpoints)},
                         {"numerator", mirror.numerator},
                         {"denominator", mirror.denominator}});
    }
    result["mirrors"] = std::move(mirrors);
  }
  if (filters.cors) {
    const Cors& cors = *filters.cors;
    result["cors"] = {
        {"allow_origins", cors.allow_origins},         {"allow_methods", cors.allow_methods},
        {"allow_headers", cors.allow_headers},         {"expose_headers", cors.expose_headers},
        {"allow_credentials", cors.allow_credentials}, {"max_age_seconds", cors.max_age_seconds}};
  }
  return result;
}

nlohmann::json MatchJson(const RouteMatch& match) {
  nlohmann::json result{
      {"path", {{"kind", PathKindName(match.path.kind)}, {"value", match.path.value}}}};
  if (!match.headers.empty()) {
    nlohmann::json headers = nlohmann::json::array();
    for (const HeaderMatch& header : match.headers) {
      headers.push_back(
          {{"kind", ValueKindName(header.kind)}, {"name", header.name}, {"value", header.value}});
    }
    result["headers"] = std::move(headers);
  }
  if (!match.query_params.empty()) {
    nlohmann::json params = nlohmann::json::array();
    for (const QueryParamMatch& param : match.query_params) {
      params.push_back(
          {{"kind", ValueKindName(param.kind)}, {"name", param.name}, {"value", param.value}});
    }
    result["query_params"] = std::move(params);
  }
  if (!match.method.empty()) result["method"] = match.method;
  return result;
}

nlohmann::json RouteJson(const Route& route) {
  nlohmann::json result{{"name", route.name}, {"match", MatchJson(route.match)}};
  nlohmann::json filters = FiltersJson(route.filters);
  if (!filters.empty()) result["filters"] = std::move(filters);
  nlohmann::json backends = nlohmann::json::array();
  for (const Backend& backend : route.backends) {
    nlohmann::json item{{"name", backend.name},
                        {"weight", backend.weight},
                        {"valid", backend.valid},
                        {"endpoints", EndpointsJson(backend.endpoints)}};
    nlohmann::json backend_filters = FiltersJson(backend.filters);
    if (!backend_filters.empty()) item["filters"] = std::move(backend_filters);
    if (!backend.app_protocol.empty()) item["app_protocol"] = backend.app_protocol;
    backends.push_back(std::move(item));
  }
  result["backends"] = std::move(backends);
  if (route.direct_status != 0) result["direct_status"] = route.direct_status;
  if (route.timeouts) {
    nlohmann::json timeouts = nlohmann::json::object();
    if (route.timeouts->request_ms) timeouts["request_ms"] = *route.timeouts->request_ms;
    if (route.timeouts->backend_request_ms) {
      timeouts["backend_request_ms"] = *route.timeouts->backend_request_ms;
    }
    result["timeouts"] = std::move(timeouts);
  }
  if (route.retry) {
    result["retry"] = {{"codes", route.retry->codes},
                       {"attempts", route.retry->attempts},
                       {"backoff_ms", route.retry->backoff_ms}};
  }
  return result;
}

bool IsLowercase(std::string_view text) {
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

void ValidateFilters(const Filters& filters, const std::string& where,
                     std::vector<std::string>& problems) {
  if (filters.redirect) {
    int code = filters.redirect->status_code;
    if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308) {
      problems.push_back(where + ": redirect status code " + std::to_string(code) +
                         " is not one of 301, 302, 303, 307, 308");
    }
  }
  for (const RequestMirror& mirror : filters.mirrors) {
    if (mirror.denominator == 0 || mirror.numerator > mirror.denominator) {
      problems.push_back(where + ": mirror fraction " + std::to_string(mirror.numerator) + "/" +
                         std::to_string(mirror.denominator) + " is invalid");
    }
  }
}

}  // namespace

namespace {

// ValidateVirtualHost checks one virtual host's own content (its place
// among the others is checked by Validate).
void ValidateVirtualHost(const VirtualHost& vhost, const std::string& vhost_where,
                         std::vector<std::string>& problems) {
  bool wildcard = vhost.hostname.starts_with("*.");
  bool shape_ok = false;
  switch (vhost.kind) {
    case HostnameKind::kAny:
      shape_ok = vhost.hostname.empty();
      break;
    case HostnameKind::kExact:
      shape_ok = !vhost.hostname.empty() && vhost.hostname.find('*') == std::string::npos;
      break;
    case HostnameKind::kWildcardOneLabel:
    case HostnameKind::kWildcardAnyLabels:
      shape_ok =
          wildcard && vhost.hostname.size() > 2 && vhost.hostname.find('*', 1) == std::string::npos;
      break;
  }
  if (!shape_ok) problems.push_back(vhost_where + ": hostname does not fit its kind");
  if (!IsLowercase(vhost.hostname)) problems.push_back(vhost_where + ": not lowercase");
  for (const Route& route : vhost.routes) {
    std::string route_where = vhost_where + " route " + route.name;
    ValidateFilters(route.filters, route_where, problems);
    for (const Backend& backend : route.backends) {
      ValidateFilters(backend.filters, route_where + " backend " + backend.name, problems);
    }
    if (route.direct_status == 0 && route.backends.empty() && !route.filters.redirect) {
      problems.push_back(route_where + ": no backend, redirect or direct status");
    }
    if (route.direct_status != 0 && (route.direct_status < 100 || route.direct_status > 599)) {
      problems.push_back(route_where + ": direct status " + std::to_string(route.direct_status) +
                         " is not an HTTP status");
    }
  }
}

}  // namespace

namespace {

// KnownListener returns the listener of known_valid on the same socket as
// listener, or null.
const Listener* KnownListener(const RouteConfig* known_valid, const Listener& listener) {
  if (known_valid == nullptr) return nullptr;
  for (const Listener& candidate : known_valid->listeners) {
    if (candidate.address == listener.address && candidate.bind_port == listener.bind_port) {
      return &candidate;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> Validate(const RouteConfig& config, const RouteConfig* known_valid) {
  std::vector<std::string> problems;
  std::set<std::pair<std::string, uint16_t>> bound;
  for (size_t l = 0; l < config.listeners.size(); ++l) {
    const Listener& listener = config.listeners[l];
    std::string where = "listener " + (listener.address.empty() ? "*" : listener.address) + ":" +
                        std::to_string(listener.bind_port);
    if (listener.port == 0 || listener.bind_port == 0) problems.push_back(where + ": zero port");
    if (!bound.insert({listener.address, listener.bind_port}).second) {
      problems.push_back(where + ": duplicate listener");
    }
    if (l > 0) {
      const Listener& previous = config.listeners[l - 1];
      if (std::tie(previous.address, previous.port) > std::tie(listener.address, listener.port)) {
        problems.push_back(where + ": listeners are not sorted by address, port");
      }
    }
    if (listener.tls && listener.certificates.empty()) {
      problems.push_back(where + ": TLS listener without certificates");
    }
    // Virtual hosts shared with the same socket of a configuration that
    // passed are valid. Both lists are sorted (this one if it is valid), so
    // a walk finds the shared ones, mostly by pointer and in step; a host
    // the walk misses (this list out of order) is only checked again.
    const Listener* known = KnownListener(known_valid, listener);
    const size_t known_count = known != nullptr ? known->virtual_hosts.size() : 0;
    size_t k = 0;
    size_t previous_shared = known_count;  // known position of the previous host, if shared
    for (size_t v = 0; v < listener.virtual_hosts.size(); ++v) {
      const VirtualHost& vhost = listener.virtual_hosts[v];
      auto key = [](const VirtualHost& host) { return std::tie(host.hostname, host.kind); };
      while (k < known_count && &known->virtual_hosts[k].get() != &vhost &&
             key(known->virtual_hosts[k]) < key(vhost)) {
        ++k;
      }
      const bool shared = k < known_count && &known->virtual_hosts[k].get() == &vhost;
      // Two hosts next to each other in a valid list are in order already.
      const bool in_order = shared && previous_shared + 1 == k;
      if (v > 0 && !in_order) {
        const VirtualHost& previous = listener.virtual_hosts[v - 1];
        if (key(previous) >= key(vhost)) {
          problems.push_back(where + " host \"" + vhost.hostname.str() + "\"" +
                             (key(previous) == key(vhost) ? ": duplicate virtual host"
                                                          : ": virtual hosts are not sorted"));
        }
      }
      previous_shared = shared ? k++ : known_count;
      if (shared) continue;
      ValidateVirtualHost(vhost, where + " host \"" + vhost.hostname.str() + "\"", problems);
    }
  }
  return problems;
}

nlohmann::json ToJson(const RouteConfig& config) {
  nlohmann::json listeners = nlohmann::json::array();
  for (const Listener& listener : config.listeners) {
    nlohmann::json certificates = nlohmann::json::array();
    for (const TlsCertificate& certificate : listener.certificates) {
      // The private key is deliberately left out.
      certificates.push_back(
          {{"hostnames", certificate.hostnames}, {"certificate_pem", certificate.certificate_pem}});
    }
    nlohmann::json vhosts = nlohmann::json::array();
    for (const VirtualHost& vhost : listener.virtual_hosts) {
      nlohmann::json routes = nlohmann::json::array();
      for (const Route& route : vhost.routes) routes.push_back(RouteJson(route));
      nlohmann::json item{{"kind", KindName(vhost.kind)}, {"hostname", vhost.hostname.str()}};
      if (vhost.sni_scope) item["sni_scope"] = *vhost.sni_scope;
      item["routes"] = std::move(routes);
      vhosts.push_back(std::move(item));
    }
    nlohmann::json item{{"address", listener.address},
                        {"port", listener.port},
                        {"bind_port", listener.bind_port},
                        {"tls", listener.tls}};
    if (listener.tls) item["certificates"] = std::move(certificates);
    item["virtual_hosts"] = std::move(vhosts);
    listeners.push_back(std::move(item));
  }
  return nlohmann::json{{"listeners", std::move(listeners)}};
}

}  // namespace atrium::ir
