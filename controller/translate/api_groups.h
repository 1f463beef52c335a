#pragma once

#include <string_view>

namespace atrium::translate {

// kGatewayGroup is the Gateway API's group: the group of its kinds in
// references (parentRefs, ReferenceGrants).
inline constexpr std::string_view kGatewayGroup = "gateway.networking.k8s.io";

}  // namespace atrium::translate
