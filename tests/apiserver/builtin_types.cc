// The built-in resource types, with the columns the real API server prints
// for them (pkg/printers/internalversion) so that `kubectl get` looks the same.

#include <string>
#include <utility>
#include <vector>

#include "tests/apiserver/resource_type.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

// At returns the value at a path of object keys, or null.
const json& At(const json& object, std::initializer_list<const char*> path) {
  static const json kNull;
  const json* node = &object;
  for (const char* key : path) {
    if (!node->is_object()) return kNull;
    auto it = node->find(key);
    if (it == node->end()) return kNull;
    node = &*it;
  }
  return *node;
}

std::string StringAt(const json& object, std::initializer_list<const char*> path,
                     const std::string& fallback = "") {
  const json& value = At(object, path);
  if (value.is_string() && !value.get<std::string>().empty()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  return fallback;
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += sep;
    out += part;
  }
  return out;
}

// LoadBalancerAddresses lists status.loadBalancer.ingress IPs and hostnames.
std::vector<std::string> LoadBalancerAddresses(const json& object) {
  std::vector<std::string> addresses;
  const json& ingress = At(object, {"status", "loadBalancer", "ingress"});
  if (!ingress.is_array()) return addresses;
  for (const json& entry : ingress) {
    std::string address = StringAt(entry, {"ip"});
    if (address.empty()) address = StringAt(entry, {"hostname"});
    if (!address.empty()) addresses.push_back(address);
  }
  return addresses;
}

PrinterColumn NameColumn() {
  PrinterColumn column;
  column.name = "Name";
  column.format = "name";
  column.description = "Name must be unique within a namespace.";
  column.json_path = ".metadata.name";
  return column;
}

PrinterColumn AgeColumn() {
  PrinterColumn column;
  column.name = "Age";
  column.type = "date";
  column.description = "CreationTimestamp is the time the object was created.";
  column.json_path = ".metadata.creationTimestamp";
  return column;
}

PrinterColumn Column(std::string name, std::function<json(const json&)> cell, int priority = 0,
                     std::string type = "string") {
  PrinterColumn column;
  column.name = std::move(name);
  column.type = std::move(type);
  column.priority = priority;
  column.cell = std::move(cell);
  return column;
}

ResourceTypePtr Make(ResourceType type) {
  if (type.storage_version.empty()) type.storage_version = type.versions.front();
  if (type.list_kind.empty()) type.list_kind = type.kind + "List";
  return std::make_shared<const ResourceType>(std::move(type));
}

ResourceTypePtr Namespaces() {
  ResourceType t;
  t.versions = {"v1"};
  t.plural = "namespaces";
  t.singular = "namespace";
  t.kind = "Namespace";
  t.namespaced = false;
  t.has_status = true;
  t.short_names = {"ns"};
  t.merge_keys = {{"status.conditions", "type"}};
  t.columns = {NameColumn(),
               Column("Status",
                      [](const json& o) {
                        return StringAt(o, {"status", "phase"});
                      }),
               AgeColumn()};
  return Make(std::move(t));
}

ResourceTypePtr Services() {
  ResourceType t;
  t.versions = {"v1"};
  t.plural = "services";
  t.singular = "service";
  t.kind = "Service";
  t.has_status = true;
  t.short_names = {"svc"};
  t.categories = {"all"};
  t.merge_keys = {{"spec.ports", "port"}, {"status.conditions", "type"}};
  auto type_of = [](const json& o) { return StringAt(o, {"spec", "type"}, "ClusterIP"); };
  t.columns = {
      NameColumn(),
      Column("Type", type_of),
      Column("Cluster-IP",
             [](const json& o) {
               return StringAt(o, {"spec", "clusterIP"}, "<none>");
             }),
      Column("External-IP",
             [type_of](const json& o) {
               std::vector<std::string> ips;
               const json& external = At(o, {"spec", "externalIPs"});
               if (external.is_array()) {
                 for (const json& ip : external) {
                   if (ip.is_string()) ips.push_back(ip.get<std::string>());
                 }
               }
               for (std::string& address : LoadBalancerAddresses(o)) ips.push_back(address);
               if (!ips.empty()) return Join(ips, ",");
               return std::string(type_of(o) == "LoadBalancer" ? "<pending>" : "<none>");
             }),
      Column("Port(s)",
             [](const json& o) {
               std::vector<std::string> ports;
               const json& list = At(o, {"spec", "ports"});
               if (list.is_array()) {
                 for (const json& port : list) {
                   std::string text = StringAt(port, {"port"});
                   std::string node_port = StringAt(port, {"nodePort"});
                   if (!node_port.empty()) text += ":" + node_port;
                   ports.push_back(text + "/" + StringAt(port, {"protocol"}, "TCP"));
                 }
               }
               return ports.empty() ? std::string("<none>") : Join(ports, ",");
             }),
      AgeColumn(),
      Column(
          "Selector",
          [](const json& o) {
            std::vector<std::string> terms;
            const json& selector = At(o, {"spec", "selector"});
            if (selector.is_object()) {
              for (const auto& [key, value] : selector.items()) {
                terms.push_back(key + "=" + (value.is_string() ? value.get<std::string>() : ""));
              }
            }
            return terms.empty() ? std::string("<none>") : Join(terms, ",");
          },
          1)};
  return Make(std::move(t));
}

ResourceTypePtr Secrets() {
  ResourceType t;
  t.versions = {"v1"};
  t.plural = "secrets";
  t.singular = "secret";
  t.kind = "Secret";
  t.columns = {NameColumn(),
               Column("Type", [](const json& o) { return StringAt(o, {"type"}, "Opaque"); }),
               Column(
                   "Data",
                   [](const json& o) {
                     const json& data = At(o, {"data"});
                     return static_cast<int64_t>(data.is_object() ? data.size() : 0);
                   },
                   0, "integer"),
               AgeColumn()};
  return Make(std::move(t));
}

ResourceTypePtr Events() {
  ResourceType t;
  t.versions = {"v1"};
  t.plural = "events";
  t.singular = "event";
  t.kind = "Event";
  t.short_names = {"ev"};
  PrinterColumn last_seen = Column("Last Seen", [](const json& o) {
    std::string seen = StringAt(o, {"lastTimestamp"});
    if (seen.empty()) seen = StringAt(o, {"eventTime"});
    if (seen.empty()) seen = StringAt(o, {"metadata", "creationTimestamp"});
    return seen;
  });
  last_seen.type = "date";
  PrinterColumn name = NameColumn();
  name.priority = 1;
  t.columns = {last_seen,
               Column("Type", [](const json& o) { return StringAt(o, {"type"}); }),
               Column("Reason", [](const json& o) { return StringAt(o, {"reason"}); }),
               Column("Object",
                      [](const json& o) {
                        std::string kind = StringAt(o, {"involvedObject", "kind"});
                        for (char& c : kind) c = static_cast<char>(std::tolower(c));
                        return kind + "/" + StringAt(o, {"involvedObject", "name"});
                      }),
               Column("Message", [](const json& o) { return StringAt(o, {"message"}); }),
               name};
  return Make(std::move(t));
}

ResourceTypePtr EndpointSlices() {
  ResourceType t;
  t.group = "discovery.k8s.io";
  t.versions = {"v1"};
  t.plural = "endpointslices";
  t.singular = "endpointslice";
  t.kind = "EndpointSlice";
  t.columns = {NameColumn(),
               Column("AddressType", [](const json& o) { return StringAt(o, {"addressType"}); }),
               Column("Ports",
                      [](const json& o) {
                        std::vector<std::string> ports;
                        const json& list = At(o, {"ports"});
                        if (list.is_array()) {
                          for (const json& port : list)
                            ports.push_back(StringAt(port, {"port"}, "<unset>"));
                        }
                        return ports.empty() ? std::string("<unset>") : Join(ports, ",");
                      }),
               Column("Endpoints",
                      [](const json& o) {
                        std::vector<std::string> addresses;
                        const json& endpoints = At(o, {"endpoints"});
                        if (endpoints.is_array()) {
                          for (const json& endpoint : endpoints) {
                            const json& list = At(endpoint, {"addresses"});
                            if (!list.is_array()) continue;
                            for (const json& a : list) {
                              if (a.is_string()) addresses.push_back(a.get<std::string>());
                            }
                          }
                        }
                        if (addresses.empty()) return std::string("<unset>");
                        constexpr size_t kShown = 3;
                        size_t more = addresses.size() > kShown ? addresses.size() - kShown : 0;
                        addresses.resize(addresses.size() - more);
                        std::string text = Join(addresses, ",");
                        if (more > 0) text += " + " + std::to_string(more) + " more...";
                        return text;
                      }),
               AgeColumn()};
  return Make(std::move(t));
}

ResourceTypePtr Ingresses() {
  ResourceType t;
  t.group = "networking.k8s.io";
  t.versions = {"v1"};
  t.plural = "ingresses";
  t.singular = "ingress";
  t.kind = "Ingress";
  t.has_status = true;
  t.short_names = {"ing"};
  t.columns = {NameColumn(),
               Column("Class",
                      [](const json& o) {
                        return StringAt(o, {"spec", "ingressClassName"}, "<none>");
                      }),
               Column("Hosts",
                      [](const json& o) {
                        std::vector<std::string> hosts;
                        const json& rules = At(o, {"spec", "rules"});
                        if (rules.is_array()) {
                          for (const json& rule : rules) {
                            std::string host = StringAt(rule, {"host"});
                            if (!host.empty()) hosts.push_back(host);
                          }
                        }
                        return hosts.empty() ? std::string("*") : Join(hosts, ",");
                      }),
               Column("Address", [](const json& o) { return Join(LoadBalancerAddresses(o), ","); }),
               Column("Ports",
                      [](const json& o) {
                        const json& tls = At(o, {"spec", "tls"});
                        return std::string(tls.is_array() && !tls.empty() ? "80, 443" : "80");
                      }),
               AgeColumn()};
  return Make(std::move(t));
}

ResourceTypePtr IngressClasses() {
  ResourceType t;
  t.group = "networking.k8s.io";
  t.versions = {"v1"};
  t.plural = "ingressclasses";
  t.singular = "ingressclass";
  t.kind = "IngressClass";
  t.namespaced = false;
  t.columns = {NameColumn(),
               Column("Controller",
                      [](const json& o) {
                        return StringAt(o, {"spec", "controller"});
                      }),
               Column("Parameters",
                      [](const json& o) {
                        const json& p = At(o, {"spec", "parameters"});
                        if (!p.is_object()) return std::string("<none>");
                        return StringAt(p, {"kind"}) + "/" + StringAt(p, {"name"});
                      }),
               AgeColumn()};
  return Make(std::move(t));
}

ResourceTypePtr Leases() {
  ResourceType t;
  t.group = "coordination.k8s.io";
  t.versions = {"v1"};
  t.plural = "leases";
  t.singular = "lease";
  t.kind = "Lease";
  t.columns = {NameColumn(),
               Column("Holder",
                      [](const json& o) {
                        return StringAt(o, {"spec", "holderIdentity"});
                      }),
               AgeColumn()};
  return Make(std::move(t));
}

ResourceTypePtr CustomResourceDefinitions() {
  ResourceType t;
  t.group = "apiextensions.k8s.io";
  t.versions = {"v1"};
  t.plural = "customresourcedefinitions";
  t.singular = "customresourcedefinition";
  t.kind = "CustomResourceDefinition";
  t.namespaced = false;
  t.has_status = true;
  t.short_names = {"crd", "crds"};
  t.columns = {NameColumn(), Column("Created At", [](const json& o) {
                 return StringAt(o, {"metadata", "creationTimestamp"});
               })};
  return Make(std::move(t));
}

}  // namespace

std::string ResourceType::ApiVersion(std::string_view version) const {
  return group.empty() ? std::string(version) : group + "/" + std::string(version);
}

bool ResourceType::Serves(std::string_view version) const {
  for (const std::string& v : versions) {
    if (v == version) return true;
  }
  return false;
}

std::vector<ResourceTypePtr> BuiltinResourceTypes() {
  return {Namespaces(),     Services(),       Secrets(),
          Events(),         EndpointSlices(), Ingresses(),
          IngressClasses(), Leases(),         CustomResourceDefinitions()};
}

}  // namespace atrium::testing
