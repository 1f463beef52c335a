#pragma once

// Discovery documents: what kubectl and client-go read to learn which
// resources exist (/version, /api, /apis, /api/v1, /apis/GROUP[/VERSION]),
// in the legacy (unaggregated) format. kubectl asks for aggregated discovery
// first and falls back to these when the reply is plain application/json.
//
// OpenAPI v3: a minimal /openapi/v3 index and one document per group
// version that declares, for each kind, a PATCH operation accepting the
// fieldValidation query parameter. That is what kubectl checks before it
// relies on server-side field validation instead of downloading schemas to
// validate on the client; so `kubectl apply/create/edit` work with
// --validate left at its default. /openapi/v2 is an empty
// document (see HttpFrontend).
//
// All functions are pure: they render the types they are given.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/apiserver/resource_type.h"

namespace atrium::testing {

// kServerVersion is the Kubernetes version the server reports (/version).
inline constexpr const char* kServerMajor = "1";
inline constexpr const char* kServerMinor = "32";
inline constexpr const char* kServerGitVersion = "v1.32.0-atrium-test";

nlohmann::json VersionInfo();
nlohmann::json ApiVersions(const std::string& server_address);
nlohmann::json ApiGroupList(const std::vector<ResourceTypePtr>& types);
std::optional<nlohmann::json> ApiGroup(const std::vector<ResourceTypePtr>& types,
                                       const std::string& group);
std::optional<nlohmann::json> ApiResourceList(const std::vector<ResourceTypePtr>& types,
                                              const std::string& group, const std::string& version);

nlohmann::json OpenApiV3Index(const std::vector<ResourceTypePtr>& types);
// OpenApiV3Document serves "api/v1" or "apis/GROUP/VERSION".
std::optional<nlohmann::json> OpenApiV3Document(const std::vector<ResourceTypePtr>& types,
                                                const std::string& group,
                                                const std::string& version);

}  // namespace atrium::testing
