#pragma once

// The Gateway API's CustomResourceDefinitions (standard channel), reduced
// to what the test API server needs to serve them: names, scope, versions,
// the status subresource and the printer columns of the upstream CRDs. The
// schemas preserve unknown fields: the server stores what clients send and
// applies no defaults, like Atrium's --manifests mode.
//
//   GatewayClass, Gateway, HTTPRoute  served at v1 (storage) and v1beta1
//   ReferenceGrant                    served at v1beta1 (storage) and v1

#include <vector>

#include <nlohmann/json.hpp>

namespace atrium::testing {

inline constexpr const char* kGatewayApiGroup = "gateway.networking.k8s.io";
inline constexpr const char* kGatewayApiBundleVersion = "v1.2.1";

std::vector<nlohmann::json> GatewayApiCrds();

}  // namespace atrium::testing
