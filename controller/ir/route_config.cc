#include "controller/ir/route_config.h"

#include <nlohmann/json.hpp>

namespace atrium::ir {

std::vector<std::string> Validate(const RouteConfig& config) { return {}; }

nlohmann::json ToJson(const RouteConfig& config) { return nlohmann::json::object(); }

}  // namespace atrium::ir
