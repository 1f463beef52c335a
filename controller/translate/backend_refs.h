#pragma once

// Resolution of a decoded Gateway API BackendObjectReference (backendRefs
// and RequestMirror targets) to a named backend with its endpoints. Only
// core Services are supported; the port is the Service port number.

#include <optional>
#include <string>

#include "controller/ir/route_config.h"
#include "controller/translate/httproute_rule.h"
#include "controller/translate/httproute_spec.h"

namespace atrium::translate {

struct ResolvedBackend {
  ir::Backend backend;            // valid == false when issue is set
  std::optional<RefIssue> issue;  // why it cannot be served
};

// ResolveBackendRef resolves ref (written at path) for a route.
ResolvedBackend ResolveBackendRef(const BackendRefSpec& ref, const std::string& path,
                                  const RuleContext& context);

}  // namespace atrium::translate
