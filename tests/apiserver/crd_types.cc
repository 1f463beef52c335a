// ResourceTypeFromCrd: the resource a CustomResourceDefinition declares.

#include <algorithm>
#include <regex>
#include <string>
#include <tuple>

#include "tests/apiserver/resource_type.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

std::string Str(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> Strings(const json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// VersionRank orders versions the way Kubernetes prefers them: GA before
// beta before alpha, higher numbers first, anything else last by name.
std::tuple<int, int, int> VersionRank(const std::string& version) {
  // The pattern is ours and fixed; std::regex never sees user input here
  // beyond a version name.
  static const std::regex kPattern("v([0-9]+)(?:(alpha|beta)([0-9]+))?");
  std::smatch m;
  if (!std::regex_match(version, m, kPattern)) return {3, 0, 0};
  int major = std::stoi(m[1].str());
  if (!m[2].matched) return {0, -major, 0};
  int minor = std::stoi(m[3].str());
  return {m[2].str() == "beta" ? 1 : 2, -major, -minor};
}

PrinterColumn CrdColumn(const json& spec) {
  PrinterColumn column;
  column.name = Str(spec, "name");
  column.type = Str(spec, "type");
  column.format = Str(spec, "format");
  column.description = Str(spec, "description");
  column.json_path = Str(spec, "jsonPath");
  if (auto it = spec.find("priority"); it != spec.end() && it->is_number_integer()) {
    column.priority = it->get<int>();
  }
  return column;
}

}  // namespace

ResourceTypePtr ResourceTypeFromCrd(const json& crd, std::string* error) {
  const json& spec = crd.contains("spec") ? crd["spec"] : json::object();
  const json& names = spec.contains("names") ? spec["names"] : json::object();
  ResourceType t;
  t.custom = true;
  t.group = Str(spec, "group");
  t.plural = Str(names, "plural");
  t.singular = Str(names, "singular");
  t.kind = Str(names, "kind");
  t.list_kind = Str(names, "listKind");
  t.short_names = Strings(names, "shortNames");
  t.categories = Strings(names, "categories");
  t.namespaced = Str(spec, "scope") != "Cluster";
  if (t.group.empty() || t.plural.empty() || t.kind.empty()) {
    *error = "spec.group, spec.names.plural and spec.names.kind are required";
    return nullptr;
  }
  std::string name = crd.contains("metadata") ? Str(crd["metadata"], "name") : "";
  if (name != t.plural + "." + t.group) {
    *error = "metadata.name must be spec.names.plural+\".\"+spec.group";
    return nullptr;
  }
  if (t.singular.empty()) {
    t.singular = t.kind;
    std::transform(t.singular.begin(), t.singular.end(), t.singular.begin(), ::tolower);
  }
  if (t.list_kind.empty()) t.list_kind = t.kind + "List";

  const json* preferred = nullptr;
  std::vector<const json*> served;
  if (auto versions = spec.find("versions"); versions != spec.end() && versions->is_array()) {
    for (const json& v : *versions) {
      if (!v.is_object() || Str(v, "name").empty()) continue;
      if (v.value("storage", false)) t.storage_version = Str(v, "name");
      if (v.value("served", true)) served.push_back(&v);
    }
  }
  if (served.empty()) {
    *error = "spec.versions must hold at least one served version";
    return nullptr;
  }
  std::sort(served.begin(), served.end(), [](const json* a, const json* b) {
    return VersionRank(Str(*a, "name")) < VersionRank(Str(*b, "name"));
  });
  for (const json* v : served) t.versions.push_back(Str(*v, "name"));
  preferred = served.front();
  if (t.storage_version.empty()) t.storage_version = t.versions.front();

  if (auto sub = preferred->find("subresources"); sub != preferred->end() && sub->is_object()) {
    t.has_status = sub->contains("status");
  }
  PrinterColumn name_column;
  name_column.name = "Name";
  name_column.format = "name";
  name_column.json_path = ".metadata.name";
  t.columns.push_back(name_column);
  auto columns = preferred->find("additionalPrinterColumns");
  if (columns != preferred->end() && columns->is_array() && !columns->empty()) {
    for (const json& c : *columns) t.columns.push_back(CrdColumn(c));
  } else {
    PrinterColumn age;
    age.name = "Age";
    age.type = "date";
    age.json_path = ".metadata.creationTimestamp";
    t.columns.push_back(age);
  }
  return std::make_shared<const ResourceType>(std::move(t));
}

}  // namespace atrium::testing
