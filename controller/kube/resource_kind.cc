#include "controller/kube/resource_kind.h"

#include <curl/curl.h>

#include "controller/state/cluster_state.h"

namespace atrium::kube {

std::string ResourceKind::ApiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string ResourceKind::GroupPath() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string ResourceKind::CollectionPath(std::string_view ns) const {
  std::string path = GroupPath();
  if (namespaced && !ns.empty()) path += "/namespaces/" + std::string(ns);
  return path + "/" + resource;
}

std::string ResourceKind::ObjectPath(std::string_view ns, std::string_view name) const {
  return CollectionPath(namespaced ? ns : "") + "/" + std::string(name);
}

std::string ResourceKind::StatusPath(std::string_view ns, std::string_view name) const {
  return ObjectPath(ns, name) + "/status";
}

const std::vector<ResourceKind>& AtriumKinds() {
  static const std::vector<ResourceKind> kinds = {
      {std::string(state::kIngressClass), "networking.k8s.io", "v1", "ingressclasses", false},
      {std::string(state::kIngress), "networking.k8s.io", "v1", "ingresses", true},
      {std::string(state::kGatewayClass), "gateway.networking.k8s.io", "v1", "gatewayclasses",
       false},
      {std::string(state::kGateway), "gateway.networking.k8s.io", "v1", "gateways", true},
      {std::string(state::kHttpRoute), "gateway.networking.k8s.io", "v1", "httproutes", true},
      {std::string(state::kReferenceGrant), "gateway.networking.k8s.io", "v1beta1",
       "referencegrants", true},
      {std::string(state::kService), "", "v1", "services", true},
      {std::string(state::kSecret), "", "v1", "secrets", true},
      {std::string(state::kNamespace), "", "v1", "namespaces", false},
      {std::string(state::kEndpointSlice), "discovery.k8s.io", "v1", "endpointslices", true},
  };
  return kinds;
}

const ResourceKind* FindKind(std::string_view kind) {
  for (const ResourceKind& candidate : AtriumKinds()) {
    if (candidate.kind == kind) return &candidate;
  }
  return nullptr;
}

const ResourceKind& LeaseKind() {
  static const ResourceKind lease{"Lease", "coordination.k8s.io", "v1", "leases", true};
  return lease;
}

const ResourceKind& EventKind() {
  static const ResourceKind event{"Event", "", "v1", "events", true};
  return event;
}

std::string EscapeQuery(std::string_view value) {
  char* escaped = curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size()));
  if (escaped == nullptr) return "";
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

}  // namespace atrium::kube
