#pragma once

// ResourceType describes one collection the test API server serves: where it
// lives in the URL space, its names as discovery reports them, whether it
// has a status subresource, how `kubectl get` prints it and how strategic
// merge patch merges its lists. Built-in types are compiled in; custom
// resources come from CustomResourceDefinition objects.
//
// ResourceType values are immutable once built and shared by pointer, so a
// request in flight keeps its type alive while a CRD is deleted.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace atrium::testing {

// PrinterColumn is one column of the server-side Table `kubectl get` prints.
// Built-in types compute cells in C++; custom resources evaluate the CRD's
// additionalPrinterColumns JSONPath.
struct PrinterColumn {
  std::string name;
  std::string type = "string";  // string, integer, number, boolean, date
  std::string format;
  std::string description;
  int priority = 0;
  std::string json_path;
  std::function<nlohmann::json(const nlohmann::json& object)> cell;
};

struct ResourceType {
  std::string group;                  // "" for the core group
  std::vector<std::string> versions;  // served versions; front() is preferred
  std::string storage_version;        // the apiVersion objects are stored with
  std::string plural;
  std::string singular;
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  bool has_status = false;
  bool custom = false;  // a custom resource: strategic merge patch is refused
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  // columns is the whole Table, the Name column (format "name") included.
  // A "date" column holds a timestamp the Table shows as an age ("5m").
  std::vector<PrinterColumn> columns;
  // Strategic merge patch: dotted list path -> merge key; an empty key
  // merges a list of scalars as a set.
  std::map<std::string, std::string> merge_keys;

  // Key names the collection in the store: "group/plural".
  std::string Key() const { return group + "/" + plural; }
  // QualifiedName is how errors name the resource: "httproutes.gateway.networking.k8s.io".
  std::string QualifiedName() const { return group.empty() ? plural : plural + "." + group; }
  std::string ApiVersion(std::string_view version) const;
  bool Serves(std::string_view version) const;
};

using ResourceTypePtr = std::shared_ptr<const ResourceType>;

// BuiltinResourceTypes returns the types served without any CRD: core v1
// Namespaces, Services, Secrets, Events; discovery.k8s.io EndpointSlices;
// networking.k8s.io Ingresses, IngressClasses; coordination.k8s.io Leases;
// apiextensions.k8s.io CustomResourceDefinitions.
std::vector<ResourceTypePtr> BuiltinResourceTypes();

// ResourceTypeFromCrd builds the type a CustomResourceDefinition declares,
// or returns null and says why in *error.
ResourceTypePtr ResourceTypeFromCrd(const nlohmann::json& crd, std::string* error);

}  // namespace atrium::testing
