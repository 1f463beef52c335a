#include "tests/apiserver/api_result.h"

namespace atrium::testing {
namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// GroupAndKind splits "httproutes.gateway.networking.k8s.io" into the
// details.group and details.kind the real server reports.
std::pair<std::string, std::string> GroupAndKind(const std::string& qualified) {
  size_t dot = qualified.find('.');
  if (dot == std::string::npos) return {"", qualified};
  return {qualified.substr(dot + 1), qualified.substr(0, dot)};
}

}  // namespace

std::string ApiResult::reason() const {
  if (ok() || !body.is_object()) return "";
  return body.value("reason", "");
}

std::string ApiResult::message() const {
  if (!body.is_object()) return "";
  return body.value("message", "");
}

ApiResult StatusError(int code, const std::string& reason, const std::string& message,
                      const std::string& qualified_resource, const std::string& name) {
  nlohmann::json status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code}};
  if (!qualified_resource.empty() || !name.empty()) {
    auto [group, kind] = GroupAndKind(qualified_resource);
    nlohmann::json details = nlohmann::json::object();
    if (!name.empty()) details["name"] = name;
    if (!group.empty()) details["group"] = group;
    if (!kind.empty()) details["kind"] = kind;
    status["details"] = details;
  }
  return ApiResult{code, std::move(status), {}};
}

ApiResult NotFound(const std::string& qualified_resource, const std::string& name) {
  return StatusError(404, "NotFound", qualified_resource + " " + Quote(name) + " not found",
                     qualified_resource, name);
}

ApiResult AlreadyExists(const std::string& qualified_resource, const std::string& name) {
  return StatusError(409, "AlreadyExists",
                     qualified_resource + " " + Quote(name) + " already exists", qualified_resource,
                     name);
}

ApiResult Conflict(const std::string& qualified_resource, const std::string& name,
                   const std::string& why) {
  return StatusError(
      409, "Conflict",
      "Operation cannot be fulfilled on " + qualified_resource + " " + Quote(name) + ": " + why,
      qualified_resource, name);
}

ApiResult Invalid(const std::string& qualified_resource, const std::string& name,
                  const std::string& why) {
  return StatusError(422, "Invalid", qualified_resource + " " + Quote(name) + " is invalid: " + why,
                     qualified_resource, name);
}

ApiResult BadRequest(const std::string& message) { return StatusError(400, "BadRequest", message); }

ApiResult Gone(const std::string& message) { return StatusError(410, "Expired", message); }

ApiResult MethodNotAllowed(const std::string& message) {
  return StatusError(405, "MethodNotAllowed", message);
}

ApiResult UnsupportedMediaType(const std::string& message) {
  return StatusError(415, "UnsupportedMediaType", message);
}

nlohmann::json SuccessStatus() {
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", nlohmann::json::object()},
          {"status", "Success"}};
}

}  // namespace atrium::testing
