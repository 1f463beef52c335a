#pragma once

// Server-side printing: `kubectl get` asks for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and prints the
// meta.k8s.io Table it gets, columns and all. ToTable builds that Table from
// a resource type's PrinterColumns.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/apiserver/resource_type.h"

namespace atrium::testing {

// TableVersion returns the meta.k8s.io version ("v1" or "v1beta1") of the
// Table an Accept header asks for, or "" when it does not ask for a Table.
std::string TableVersion(std::string_view accept);

// ToTable renders objects (already in the requested apiVersion) as a Table.
// include_object is the includeObject query parameter: "None", "Object" or
// (default) "Metadata". list_metadata becomes the Table's metadata
// (resourceVersion, continue).
nlohmann::json ToTable(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                       const nlohmann::json& list_metadata, std::string_view table_version,
                       std::string_view include_object, std::chrono::system_clock::time_point now);

}  // namespace atrium::testing
