#pragma once

// ApiResult is the answer to one API call, the same whether it came over HTTP
// or through the C++ fixture API: an HTTP status code and a JSON body, which
// for failures is a metav1.Status object with the reason kubectl and
// client-go switch on (NotFound, AlreadyExists, Conflict, Invalid, Expired...).

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace atrium::testing {

struct ApiResult {
  int code = 200;
  nlohmann::json body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Retry-After

  bool ok() const { return code >= 200 && code < 300; }
  // reason is the Status reason of a failure ("" on success).
  std::string reason() const;
  std::string message() const;
};

// StatusError builds a failure: code, reason and message, plus the details
// that name the object (qualified resource "httproutes.gateway.networking.k8s.io").
ApiResult StatusError(int code, const std::string& reason, const std::string& message,
                      const std::string& qualified_resource = "", const std::string& name = "");

ApiResult NotFound(const std::string& qualified_resource, const std::string& name);
ApiResult AlreadyExists(const std::string& qualified_resource, const std::string& name);
ApiResult Conflict(const std::string& qualified_resource, const std::string& name,
                   const std::string& why =
                       "the object has been modified; please apply your "
                       "changes to the latest version and try again");
ApiResult Invalid(const std::string& qualified_resource, const std::string& name,
                  const std::string& why);
ApiResult BadRequest(const std::string& message);
ApiResult Gone(const std::string& message);
ApiResult MethodNotAllowed(const std::string& message);
ApiResult UnsupportedMediaType(const std::string& message);

// SuccessStatus is the Status object some calls (deletecollection) return.
nlohmann::json SuccessStatus();

}  // namespace atrium::testing
