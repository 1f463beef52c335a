#pragma once

// Resolution of a Gateway API BackendObjectReference (backendRefs and
// RequestMirror targets) to a named backend with its endpoints. Only core
// Services are supported; the port is the Service port number.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controller/ir/route_config.h"
#include "controller/translate/httproute_rule.h"

namespace atrium::translate {

struct ResolvedBackend {
  ir::Backend backend;            // valid == false when issue is set
  std::optional<RefIssue> issue;  // why it cannot be served
};

// ResolveBackendRef resolves ref (at path) for a route. Throws RuleError when
// the reference itself is malformed (no name, no port for a Service).
ResolvedBackend ResolveBackendRef(const nlohmann::json& ref, const std::string& path,
                                  const RuleContext& context);

}  // namespace atrium::translate
