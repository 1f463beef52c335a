#include "controller/state/cluster_state.h"

#include <utility>

namespace atrium::state {

ObjectMap* ClusterState::MapFor(std::string_view kind) {
  return const_cast<ObjectMap*>(std::as_const(*this).MapFor(kind));
}

const ObjectMap* ClusterState::MapFor(std::string_view kind) const {
  if (kind == kIngressClass) return &ingress_classes;
  if (kind == kIngress) return &ingresses;
  if (kind == kGatewayClass) return &gateway_classes;
  if (kind == kGateway) return &gateways;
  if (kind == kHttpRoute) return &http_routes;
  if (kind == kReferenceGrant) return &reference_grants;
  if (kind == kService) return &services;
  if (kind == kEndpointSlice) return &endpoint_slices;
  if (kind == kSecret) return &secrets;
  if (kind == kNamespace) return &namespaces;
  return nullptr;
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
