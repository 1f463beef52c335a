#include "tests/apiserver/discovery.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

namespace atrium::testing {
namespace {

using nlohmann::json;

json GroupVersion(const std::string& group, const std::string& version) {
  return {{"groupVersion", group + "/" + version}, {"version", version}};
}

// Groups maps each non-core group to its versions, preferred first.
std::map<std::string, std::vector<std::string>> Groups(const std::vector<ResourceTypePtr>& types) {
  std::map<std::string, std::vector<std::string>> groups;
  for (const ResourceTypePtr& t : types) {
    if (t->group.empty()) continue;
    std::vector<std::string>& versions = groups[t->group];
    for (const std::string& v : t->versions) {
      if (std::find(versions.begin(), versions.end(), v) == versions.end()) versions.push_back(v);
    }
  }
  // The preferred version of a group is the most preferred version any of its
  // types serves first ("v1" before "v1beta1").
  for (auto& [group, versions] : groups) {
    std::stable_sort(versions.begin(), versions.end(),
                     [](const std::string& a, const std::string& b) {
                       auto rank = [](const std::string& v) {
                         if (v.find("alpha") != std::string::npos) return 2;
                         if (v.find("beta") != std::string::npos) return 1;
                         return 0;
                       };
                       return rank(a) < rank(b);
                     });
  }
  return groups;
}

json GroupEntry(const std::string& group, const std::vector<std::string>& versions) {
  json list = json::array();
  for (const std::string& v : versions) list.push_back(GroupVersion(group, v));
  return {{"name", group},
          {"versions", list},
          {"preferredVersion", GroupVersion(group, versions.front())}};
}

json ResourceEntry(const ResourceType& t) {
  json entry = {
      {"name", t.plural},
      {"singularName", t.singular},
      {"namespaced", t.namespaced},
      {"kind", t.kind},
      {"verbs",
       {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}}};
  if (!t.short_names.empty()) entry["shortNames"] = t.short_names;
  if (!t.categories.empty()) entry["categories"] = t.categories;
  return entry;
}

std::string Hash(const json& document) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016zX", std::hash<std::string>{}(document.dump()));
  return buf;
}

}  // namespace

json VersionInfo() {
  return {
      {"major", kServerMajor},           {"minor", kServerMinor},
      {"gitVersion", kServerGitVersion}, {"gitCommit", "0000000000000000000000000000000000000000"},
      {"gitTreeState", "clean"},         {"buildDate", "2025-01-01T00:00:00Z"},
      {"goVersion", "go1.23.4"},         {"compiler", "gc"},
      {"platform", "linux/amd64"}};
}

json ApiVersions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json ApiGroupList(const std::vector<ResourceTypePtr>& types) {
  json groups = json::array();
  for (const auto& [group, versions] : Groups(types)) groups.push_back(GroupEntry(group, versions));
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> ApiGroup(const std::vector<ResourceTypePtr>& types, const std::string& group) {
  auto groups = Groups(types);
  auto it = groups.find(group);
  if (it == groups.end()) return std::nullopt;
  json entry = GroupEntry(group, it->second);
  entry["kind"] = "APIGroup";
  entry["apiVersion"] = "v1";
  return entry;
}

std::optional<json> ApiResourceList(const std::vector<ResourceTypePtr>& types,
                                    const std::string& group, const std::string& version) {
  json resources = json::array();
  for (const ResourceTypePtr& t : types) {
    if (t->group != group || !t->Serves(version)) continue;
    resources.push_back(ResourceEntry(*t));
    if (t->has_status) {
      resources.push_back({{"name", t->plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", t->namespaced},
                           {"kind", t->kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  if (resources.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : group + "/" + version},
              {"resources", resources}};
}

json OpenApiV3Index(const std::vector<ResourceTypePtr>& types) {
  std::set<std::pair<std::string, std::string>> group_versions;
  for (const ResourceTypePtr& t : types) {
    for (const std::string& v : t->versions) group_versions.insert({t->group, v});
  }
  json paths = json::object();
  for (const auto& [group, version] : group_versions) {
    std::string path = group.empty() ? "api/" + version : "apis/" + group + "/" + version;
    std::optional<json> document = OpenApiV3Document(types, group, version);
    paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + Hash(*document)}};
  }
  return {{"paths", paths}};
}

std::optional<json> OpenApiV3Document(const std::vector<ResourceTypePtr>& types,
                                      const std::string& group, const std::string& version) {
  json paths = json::object();
  for (const ResourceTypePtr& t : types) {
    if (t->group != group || !t->Serves(version)) continue;
    std::string base = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
    std::string path = t->namespaced ? base + "/namespaces/{namespace}/" + t->plural + "/{name}"
                                     : base + "/" + t->plural + "/{name}";
    paths[path] = {
        {"patch",
         {{"operationId", "patch" + t->kind},
          {"x-kubernetes-action", "patch"},
          {"x-kubernetes-group-version-kind",
           {{"group", group}, {"version", version}, {"kind", t->kind}}},
          {"parameters",
           {{{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
            {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
            {{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}}}},
          {"responses", {{"200", {{"description", "OK"}}}}}}}};
  }
  if (paths.empty()) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", kServerGitVersion}}},
              {"paths", paths},
              {"components", {{"schemas", json::object()}}}};
}

}  // namespace atrium::testing
