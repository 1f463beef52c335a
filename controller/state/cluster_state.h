#pragma once

// ClusterState is the latest copy of every Kubernetes object Atrium reads,
// keyed by kind and then by "namespace/name" ("name" for cluster-scoped
// kinds). Both sources fill it: the API server informers and the
// --manifests DIR loader. It is plain data: translate reads it without I/O.
//
// Objects are held as JSON, except HTTPRoutes: there are thousands of them,
// and their JSON trees were the largest part of the heap, so they are held
// decoded (translate/httproute_spec.h), a third of the size.

#include <array>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "controller/translate/httproute_spec.h"

namespace atrium::state {

// ObjectMap holds the objects of one kind, sorted by key so that every walk
// over it is deterministic.
using ObjectMap = std::map<std::string, nlohmann::json>;
// HttpRouteMap holds HTTPRoutes decoded, sorted by key likewise.
using HttpRouteMap = std::map<std::string, translate::HttpRouteSpec>;

// ObjectIdentity is what an Event needs to name an object.
struct ObjectIdentity {
  std::string uid;
  std::string resource_version;
};

// Kind names as they appear in an object's "kind" field.
inline constexpr std::string_view kIngressClass = "IngressClass";
inline constexpr std::string_view kIngress = "Ingress";
inline constexpr std::string_view kGatewayClass = "GatewayClass";
inline constexpr std::string_view kGateway = "Gateway";
inline constexpr std::string_view kHttpRoute = "HTTPRoute";
inline constexpr std::string_view kReferenceGrant = "ReferenceGrant";
inline constexpr std::string_view kService = "Service";
inline constexpr std::string_view kEndpointSlice = "EndpointSlice";
inline constexpr std::string_view kSecret = "Secret";
inline constexpr std::string_view kNamespace = "Namespace";

// kAllKinds lists every kind a ClusterState holds.
inline constexpr std::array<std::string_view, 10> kAllKinds = {
    kIngressClass,   kIngress, kGatewayClass,  kGateway, kHttpRoute,
    kReferenceGrant, kService, kEndpointSlice, kSecret,  kNamespace};

struct ClusterState {
  ObjectMap ingress_classes;
  ObjectMap ingresses;
  ObjectMap gateway_classes;
  ObjectMap gateways;
  HttpRouteMap http_routes;
  ObjectMap reference_grants;
  ObjectMap services;
  ObjectMap endpoint_slices;
  ObjectMap secrets;
  ObjectMap namespaces;

  // MapFor returns the map that holds objects of kind as JSON, or nullptr
  // when Atrium does not read that kind or holds it decoded (HTTPRoute).
  ObjectMap* MapFor(std::string_view kind);
  const ObjectMap* MapFor(std::string_view kind) const;

  // Holds tells whether Atrium reads objects of kind.
  static bool Holds(std::string_view kind);

  // Put stores object, of kind, under its key (ObjectKey), replacing what
  // was there. Returns false, storing nothing, for a kind Atrium does not
  // read.
  bool Put(std::string_view kind, nlohmann::json object);

  // Contains tells whether an object of kind is stored at key.
  bool Contains(std::string_view kind, const std::string& key) const;

  // Identity returns the uid and resourceVersion of the object of kind at
  // key, or empty strings when there is none.
  ObjectIdentity Identity(std::string_view kind, const std::string& key) const;

  bool operator==(const ClusterState&) const = default;
};

// ObjectKey returns "namespace/name" for namespaced objects and "name" for
// cluster-scoped ones (no metadata.namespace).
std::string ObjectKey(const nlohmann::json& object);

// kServiceNameLabel names the Service an EndpointSlice belongs to.
inline constexpr std::string_view kServiceNameLabel = "kubernetes.io/service-name";

// SliceService returns "namespace/service" of the Service an EndpointSlice
// belongs to (its kServiceNameLabel), or "" when it names none. Never
// throws: anything malformed reads as "".
std::string SliceService(const nlohmann::json& slice);

// IsNamespacedKind tells whether objects of kind live in a namespace.
bool IsNamespacedKind(std::string_view kind);

}  // namespace atrium::state
