#include "controller/state/object_strip.h"

#include <array>
#include <string>

#include "controller/state/cluster_state.h"

namespace atrium::state {
namespace {

// The Secret keys translate reads (TLS certificate, key, and CA bundle).
constexpr std::array<std::string_view, 3> kSecretKeys = {"tls.crt", "tls.key", "ca.crt"};

bool IsSecretKeyKept(const std::string& key) {
  for (std::string_view kept : kSecretKeys) {
    if (key == kept) return true;
  }
  return false;
}

void StripMetadata(nlohmann::json& metadata) {
  if (!metadata.is_object()) return;
  metadata.erase("managedFields");
  auto annotations = metadata.find("annotations");
  if (annotations == metadata.end() || !annotations->is_object()) return;
  annotations->erase(std::string(kLastAppliedAnnotation));
  if (annotations->empty()) metadata.erase(annotations);
}

void StripSecretData(nlohmann::json& object) {
  auto data = object.find("data");
  if (data == object.end() || !data->is_object()) return;
  for (auto it = data->begin(); it != data->end();) {
    it = IsSecretKeyKept(it.key()) ? std::next(it) : data->erase(it);
  }
}

// ReadyOf tells whether a stripped endpoint is well typed (addresses a list
// of strings, conditions.ready a boolean, either may be unset) and, if so,
// sets *ready (an unset ready condition means ready).
bool ReadyOf(const nlohmann::json& endpoint, bool* ready) {
  if (!endpoint.is_object()) return false;
  auto addresses = endpoint.find("addresses");
  if (addresses != endpoint.end() && !addresses->is_null()) {
    if (!addresses->is_array()) return false;
    for (const nlohmann::json& address : *addresses) {
      if (!address.is_string()) return false;
    }
  }
  *ready = true;
  auto conditions = endpoint.find("conditions");
  if (conditions == endpoint.end() || conditions->is_null()) return true;
  if (!conditions->is_object()) return false;
  auto flag = conditions->find("ready");
  if (flag == conditions->end() || flag->is_null()) return true;
  if (!flag->is_boolean()) return false;
  *ready = flag->get<bool>();
  return true;
}

// CoalesceEndpoints stores the ready addresses of a slice whose endpoints
// are all well typed as one endpoint: what translate reads (every address
// of every ready endpoint, in order) is unchanged, and an address costs one
// string instead of an endpoint object with its conditions. A slice with a
// malformed endpoint is kept as it is, so that translate names the field.
void CoalesceEndpoints(nlohmann::json& endpoints) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const nlohmann::json& endpoint : endpoints) {
    bool ready = true;
    if (!ReadyOf(endpoint, &ready)) return;
    auto list = endpoint.find("addresses");
    if (!ready || list == endpoint.end() || list->is_null()) continue;
    for (const nlohmann::json& address : *list) addresses.push_back(address);
  }
  endpoints = nlohmann::json::array();
  if (!addresses.empty()) endpoints.push_back({{"addresses", std::move(addresses)}});
}

// StripEndpoints keeps of each endpoint what translate reads: its addresses
// and its ready condition. targetRef, nodeName, zone, hints and the other
// conditions are most of an endpoint's size, and a cluster has thousands.
void StripEndpoints(nlohmann::json& object) {
  auto endpoints = object.find("endpoints");
  if (endpoints == object.end() || !endpoints->is_array()) return;
  for (nlohmann::json& endpoint : *endpoints) {
    if (!endpoint.is_object()) continue;
    for (auto it = endpoint.begin(); it != endpoint.end();) {
      const bool kept = it.key() == "addresses" || it.key() == "conditions";
      it = kept ? std::next(it) : endpoint.erase(it);
    }
    auto conditions = endpoint.find("conditions");
    if (conditions == endpoint.end() || !conditions->is_object()) continue;
    for (auto it = conditions->begin(); it != conditions->end();) {
      it = it.key() == "ready" ? std::next(it) : conditions->erase(it);
    }
  }
  CoalesceEndpoints(*endpoints);
}

bool SameMetadata(const nlohmann::json& a, const nlohmann::json& b) {
  if (!a.is_object() || !b.is_object()) return a == b;
  auto skip = [](const nlohmann::json& metadata) {
    return metadata.size() - (metadata.contains("resourceVersion") ? 1 : 0);
  };
  if (skip(a) != skip(b)) return false;
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (it.key() == "resourceVersion") continue;
    auto other = b.find(it.key());
    if (other == b.end() || *other != it.value()) return false;
  }
  return true;
}

}  // namespace

bool SameContent(const nlohmann::json& a, const nlohmann::json& b) {
  if (!a.is_object() || !b.is_object()) return a == b;
  if (a.size() != b.size()) return false;
  for (auto it = a.begin(); it != a.end(); ++it) {
    auto other = b.find(it.key());
    if (other == b.end()) return false;
    if (it.key() == "metadata" ? !SameMetadata(it.value(), *other) : *other != it.value()) {
      return false;
    }
  }
  return true;
}

void StripObject(std::string_view kind, nlohmann::json& object) {
  if (!object.is_object()) return;
  // The kind is the map the object is kept in, and each kind is read in one
  // version: the pair costs ~250 bytes an object, 1.3 MB at 5,000 routes.
  object.erase("apiVersion");
  object.erase("kind");
  if (auto metadata = object.find("metadata"); metadata != object.end()) StripMetadata(*metadata);
  object.erase("status");
  if (kind == kEndpointSlice) StripEndpoints(object);
  if (kind == kSecret) {
    StripSecretData(object);
    object.erase("stringData");
  }
}

}  // namespace atrium::state
