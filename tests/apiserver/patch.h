#pragma once

// The four PATCH flavours of the Kubernetes API:
//   application/merge-patch+json            RFC 7386 (nlohmann::json::merge_patch)
//   application/json-patch+json             RFC 6902 (nlohmann::json::patch)
//   application/strategic-merge-patch+json  merge patch whose lists of objects
//       merge by key (Service spec.ports by port, ...), with the $patch,
//       $retainKeys, $setElementOrder and $deleteFromPrimitiveList directives
//   application/apply-patch+yaml            server-side apply, emulated for one
//       field manager at a time: the applied fields are set, and fields the
//       same manager applied last time but no longer lists are removed.
// All are pure functions.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace atrium::testing {

enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

// PatchTypeFromContentType maps a Content-Type header to its patch type.
std::optional<PatchType> PatchTypeFromContentType(std::string_view content_type);
const char* PatchTypeName(PatchType type);

// ApplyJsonPatch applies an RFC 6902 patch; false and *error when an
// operation fails (a "test" that does not hold, a missing path).
bool ApplyJsonPatch(const nlohmann::json& patch, nlohmann::json* target, std::string* error);

// ApplyStrategicMergePatch merges patch into *target. merge_keys maps a
// dotted list path ("spec.ports") to its merge key ("port"); "" merges a list
// of scalars as a set. metadata.ownerReferences (by uid) and
// metadata.finalizers (as a set) merge for every kind.
bool ApplyStrategicMergePatch(const nlohmann::json& patch,
                              const std::map<std::string, std::string>& merge_keys,
                              nlohmann::json* target, std::string* error);

// ApplyConfiguration merges a server-side apply configuration into current.
// last_applied is what the same field manager applied before (null if never).
nlohmann::json ApplyConfiguration(const nlohmann::json& current, const nlohmann::json& last_applied,
                                  const nlohmann::json& applied);

}  // namespace atrium::testing
