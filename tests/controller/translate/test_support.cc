#include "tests/controller/translate/test_support.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "controller/manifests/yaml_json.h"

namespace atrium::translate::testing {

std::filesystem::path GoldenDir() {
  return std::filesystem::path(ATRIUM_SOURCE_DIR) / "tests" / "controller" / "translate" /
         "testdata";
}

std::vector<std::string> GoldenCaseNames() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(GoldenDir(), error)) {
    std::string file = entry.path().filename().string();
    const std::string suffix = ".in.yaml";
    if (file.size() > suffix.size() && file.ends_with(suffix)) {
      names.push_back(file.substr(0, file.size() - suffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

namespace {

std::string Lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

std::string StripHost(std::string_view host) {
  std::string result = Lower(host);
  size_t colon = result.rfind(':');
  if (colon != std::string::npos && result.find(']') == std::string::npos) result.resize(colon);
  while (!result.empty() && result.back() == '.') result.pop_back();
  return result;
}

bool HostMatches(const ir::VirtualHost& vhost, const std::string& host) {
  switch (vhost.kind) {
    case ir::HostnameKind::kAny:
      return true;
    case ir::HostnameKind::kExact:
      return vhost.hostname == host;
    case ir::HostnameKind::kWildcardOneLabel:
    case ir::HostnameKind::kWildcardAnyLabels: {
      std::string_view suffix = std::string_view(vhost.hostname).substr(1);
      if (host.size() <= suffix.size() || !std::string_view(host).ends_with(suffix)) return false;
      if (vhost.kind == ir::HostnameKind::kWildcardAnyLabels) return true;
      return host.substr(0, host.size() - suffix.size()).find('.') == std::string::npos;
    }
  }
  return false;
}

// Rank orders matching virtual hosts: exact, then longer wildcard suffix
// (one-label before any-labels on equal suffix), then kAny.
std::tuple<int, size_t, int> Rank(const ir::VirtualHost& vhost) {
  switch (vhost.kind) {
    case ir::HostnameKind::kExact:
      return {3, vhost.hostname.size(), 0};
    case ir::HostnameKind::kWildcardOneLabel:
      return {2, vhost.hostname.size(), 1};
    case ir::HostnameKind::kWildcardAnyLabels:
      return {2, vhost.hostname.size(), 0};
    case ir::HostnameKind::kAny:
      break;
  }
  return {1, 0, 0};
}

bool ValueMatches(ir::ValueMatchKind kind, const std::string& expected, const std::string& actual) {
  if (kind == ir::ValueMatchKind::kExact) return expected == actual;
  return RE2::FullMatch(actual, expected);
}

std::map<std::string, std::string> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> result;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    std::string name = pair.substr(0, eq);
    // First value of a repeated parameter wins.
    result.emplace(name, eq == std::string::npos ? "" : pair.substr(eq + 1));
    start = end + 1;
  }
  return result;
}

bool RouteMatches(const ir::RouteMatch& match, const Request& request) {
  if (!PathMatches(match.path, request.path)) return false;
  if (!match.method.empty() && match.method != request.method) return false;
  for (const ir::HeaderMatch& header : match.headers) {
    auto it = request.headers.find(Lower(header.name));
    if (it == request.headers.end() || !ValueMatches(header.kind, header.value, it->second)) {
      return false;
    }
  }
  std::map<std::string, std::string> query = ParseQuery(request.query);
  for (const ir::QueryParamMatch& param : match.query_params) {
    auto it = query.find(param.name);
    if (it == query.end() || !ValueMatches(param.kind, param.value, it->second)) return false;
  }
  return true;
}

}  // namespace

std::map<std::string, nlohmann::json> YamlObjectsOf(std::string_view yaml, std::string_view kind) {
  std::map<std::string, nlohmann::json> objects;
  manifests::YamlParseResult parsed = manifests::ParseYamlDocuments(yaml);
  if (!parsed.error.empty()) {
    ADD_FAILURE() << "YAML error: " << parsed.error;
    return objects;
  }
  for (const manifests::YamlDocument& document : parsed.documents) {
    if (document.object.is_null() || document.object.value("kind", "") != kind) continue;
    objects.emplace(state::ObjectKey(document.object), document.object);
  }
  return objects;
}

state::ClusterState LoadYaml(std::string_view yaml, Options* options) {
  state::ClusterState state;
  manifests::YamlParseResult parsed = manifests::ParseYamlDocuments(yaml);
  if (!parsed.error.empty()) {
    ADD_FAILURE() << "YAML error: " << parsed.error;
    return state;
  }
  for (const manifests::YamlDocument& document : parsed.documents) {
    if (document.object.is_null()) continue;
    std::string kind = document.object.value("kind", "");
    if (kind == "TranslateOptions") {
      if (options != nullptr) {
        options->port_offset = document.object.value("portOffset", options->port_offset);
        options->publish_addresses =
            document.object.value("publishAddresses", options->publish_addresses);
      }
      continue;
    }
    if (!state.Put(kind, document.object)) {
      ADD_FAILURE() << "unknown kind " << kind << " at line " << document.line;
    }
  }
  return state;
}

std::string Re2Error(const std::string& pattern) {
  RE2 re(pattern, RE2::Quiet);
  return re.ok() ? "" : re.error();
}

bool PathMatches(const ir::PathMatch& match, std::string_view path) {
  switch (match.kind) {
    case ir::PathMatchKind::kExact:
      return path == match.value;
    case ir::PathMatchKind::kRegularExpression:
      return RE2::FullMatch(std::string(path), match.value);
    case ir::PathMatchKind::kPrefix: {
      std::string_view prefix = match.value;
      while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
      if (prefix == "/") return path.starts_with("/");
      if (!path.starts_with(prefix)) return false;
      return path.size() == prefix.size() || path[prefix.size()] == '/';
    }
  }
  return false;
}

const ir::Route* Served(const ir::RouteConfig& config, const Request& request) {
  const ir::Listener* listener = nullptr;
  for (const ir::Listener& candidate : config.listeners) {
    if (candidate.bind_port == request.bind_port && candidate.address == request.address) {
      listener = &candidate;
    }
  }
  if (listener == nullptr) return nullptr;
  std::string host = StripHost(request.host);
  const ir::VirtualHost* best = nullptr;
  for (const ir::VirtualHost& vhost : listener->virtual_hosts) {
    if (HostMatches(vhost, host) && (best == nullptr || Rank(vhost) > Rank(*best))) {
      best = &vhost;
    }
  }
  if (best == nullptr) return nullptr;
  for (const ir::Route& route : best->routes) {
    if (RouteMatches(route.match, request)) return &route;
  }
  return nullptr;
}

std::string ServedName(const ir::RouteConfig& config, const Request& request) {
  const ir::Route* route = Served(config, request);
  return route == nullptr ? "404" : route->name;
}

const nlohmann::json* FindStatus(const Result& result, std::string_view kind, std::string_view ns,
                                 std::string_view name) {
  for (const ObjectStatus& status : result.statuses) {
    if (status.kind == kind && status.ns == ns && status.name == name) return &*status.status;
  }
  return nullptr;
}

const nlohmann::json* FindCondition(const nlohmann::json& conditions, std::string_view type) {
  if (!conditions.is_array()) return nullptr;
  for (const nlohmann::json& condition : conditions) {
    if (condition.value("type", "") == type) return &condition;
  }
  return nullptr;
}

}  // namespace atrium::translate::testing
