#include "controller/state/cluster_state.h"

#include <utility>

#include "controller/translate/object_meta.h"

namespace atrium::state {

ObjectMap* ClusterState::MapFor(std::string_view kind) {
  return const_cast<ObjectMap*>(std::as_const(*this).MapFor(kind));
}

const ObjectMap* ClusterState::MapFor(std::string_view kind) const {
  if (kind == kIngressClass) return &ingress_classes;
  if (kind == kIngress) return &ingresses;
  if (kind == kGatewayClass) return &gateway_classes;
  if (kind == kGateway) return &gateways;
  if (kind == kReferenceGrant) return &reference_grants;
  if (kind == kService) return &services;
  if (kind == kEndpointSlice) return &endpoint_slices;
  if (kind == kSecret) return &secrets;
  if (kind == kNamespace) return &namespaces;
  return nullptr;
}

bool ClusterState::Holds(std::string_view kind) {
  for (std::string_view held : kAllKinds) {
    if (kind == held) return true;
  }
  return false;
}

bool ClusterState::Put(std::string_view kind, nlohmann::json object) {
  std::string key = ObjectKey(object);
  if (kind == kHttpRoute) {
    http_routes.insert_or_assign(key, translate::DecodeHttpRoute(object, key));
    return true;
  }
  ObjectMap* map = MapFor(kind);
  if (map == nullptr) return false;
  map->insert_or_assign(std::move(key), std::move(object));
  return true;
}

bool ClusterState::Contains(std::string_view kind, const std::string& key) const {
  if (kind == kHttpRoute) return http_routes.contains(key);
  const ObjectMap* map = MapFor(kind);
  return map != nullptr && map->contains(key);
}

ObjectIdentity ClusterState::Identity(std::string_view kind, const std::string& key) const {
  if (kind == kHttpRoute) {
    auto it = http_routes.find(key);
    if (it == http_routes.end()) return {};
    return {it->second.uid.str(), it->second.resource_version};
  }
  const ObjectMap* map = MapFor(kind);
  if (map == nullptr) return {};
  auto it = map->find(key);
  if (it == map->end()) return {};
  return {translate::MetadataString(it->second, "uid"),
          translate::MetadataString(it->second, "resourceVersion")};
}

std::string ObjectKey(const nlohmann::json& object) {
  const nlohmann::json& metadata = object.value("metadata", nlohmann::json::object());
  std::string name = metadata.value("name", "");
  std::string ns = metadata.value("namespace", "");
  if (ns.empty()) return name;
  return ns + "/" + name;
}

std::string SliceService(const nlohmann::json& slice) {
  if (!slice.is_object()) return "";
  auto metadata = slice.find("metadata");
  if (metadata == slice.end() || !metadata->is_object()) return "";
  auto labels = metadata->find("labels");
  if (labels == metadata->end() || !labels->is_object()) return "";
  auto service = labels->find(kServiceNameLabel);
  if (service == labels->end() || !service->is_string()) return "";
  auto ns = metadata->find("namespace");
  const std::string prefix = ns != metadata->end() && ns->is_string() ? ns->get<std::string>() : "";
  return prefix + "/" + service->get<std::string>();
}

bool IsNamespacedKind(std::string_view kind) {
  return !(kind == kIngressClass || kind == kGatewayClass || kind == kNamespace);
}

}  // namespace atrium::state
