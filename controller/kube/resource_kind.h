#pragma once

// ResourceKind names one kind of Kubernetes object the way the REST API
// addresses it (group, version, plural resource) and the way objects name
// themselves (kind). AtriumKinds lists every kind the informers watch.

#include <string>
#include <string_view>
#include <vector>

namespace atrium::kube {

struct ResourceKind {
  std::string kind;      // "HTTPRoute"
  std::string group;     // "gateway.networking.k8s.io"; "" for the core group
  std::string version;   // "v1"
  std::string resource;  // "httproutes"
  bool namespaced = true;

  // ApiVersion is "group/version", or "version" for the core group.
  std::string ApiVersion() const;
  // CollectionPath is the URL path of the collection in ns ("" for all
  // namespaces, or for cluster-scoped kinds).
  std::string CollectionPath(std::string_view ns = "") const;
  // ObjectPath is the URL path of one object (ns ignored when cluster-scoped).
  std::string ObjectPath(std::string_view ns, std::string_view name) const;
  // StatusPath is ObjectPath + "/status".
  std::string StatusPath(std::string_view ns, std::string_view name) const;
  // GroupPath is "/api/v1" or "/apis/group/version" (discovery).
  std::string GroupPath() const;
};

// AtriumKinds: IngressClass, Ingress, GatewayClass, Gateway, HTTPRoute,
// ReferenceGrant, Service, Secret, Namespace, EndpointSlice.
const std::vector<ResourceKind>& AtriumKinds();
// FindKind returns the kind named kind from AtriumKinds, or nullptr.
const ResourceKind* FindKind(std::string_view kind);
// LeaseKind is coordination.k8s.io/v1 Lease (leader election).
const ResourceKind& LeaseKind();
// EventKind is core/v1 Event (the event recorder creates and patches them).
const ResourceKind& EventKind();

// EscapeQuery percent-encodes a query parameter value (continue tokens,
// selectors).
std::string EscapeQuery(std::string_view value);

}  // namespace atrium::kube
