#pragma once

// ObjectMeta is the part of metadata that translation decides with: identity,
// generation (for observedGeneration), age (for precedence tie-breaks),
// labels and annotations.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace atrium::translate {

struct ObjectMeta {
  std::string ns;  // empty for cluster-scoped objects
  std::string name;
  int64_t generation = 0;
  // RFC 3339 as served by the API server ("2024-01-02T03:04:05Z"), which
  // sorts chronologically as a string. Empty (objects from files) sorts
  // first: such objects count as the oldest.
  std::string creation_timestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;

  // Key is "namespace/name" (or "name"), the tie-break order of the specs.
  std::string Key() const { return ns.empty() ? name : ns + "/" + name; }
  bool operator==(const ObjectMeta&) const = default;
};

// ParseObjectMeta reads object.metadata. Throws InputError when malformed or
// when the name is missing.
ObjectMeta ParseObjectMeta(const nlohmann::json& object);

// MetadataString returns metadata[field] when it is a string, else "":
// identity fields read without judging the object (an Event names even a
// malformed one). Never throws.
std::string MetadataString(const nlohmann::json& object, std::string_view field);

// SplitKey splits a ClusterState key ("namespace/name" or "name") into its
// namespace and name, for reporting objects whose metadata is unreadable.
std::pair<std::string, std::string> SplitKey(std::string_view key);

// OlderThan orders objects oldest first, then by namespace/name: the
// tie-break both the Ingress and the Gateway API documents prescribe.
bool OlderThan(const ObjectMeta& a, const ObjectMeta& b);

}  // namespace atrium::translate
