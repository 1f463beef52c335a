#pragma once

// ObjectMeta is the part of metadata that translation decides with: identity,
// generation (for observedGeneration), age (for precedence tie-breaks),
// labels and annotations.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/boxed_optional.h"

namespace atrium::translate {

using CreationTime = std::chrono::system_clock::time_point;
inline constexpr CreationTime kUnknownCreation = CreationTime::min();

using StringMap = std::map<std::string, std::string>;

// Labels and annotations: what Namespaces (selectors), Ingresses and
// IngressClasses (class and annotations) and EndpointSlices (their
// Service) are read by.
struct MetaTags {
  StringMap labels;
  StringMap annotations;
  bool operator==(const MetaTags&) const = default;
};

struct ObjectMeta {
  std::string ns;  // empty for cluster-scoped objects
  std::string name;
  int64_t generation = 0;
  // metadata.creationTimestamp, parsed (8 bytes, where the text took 32 and
  // an allocation, twice per route). kUnknownCreation (none written, as in
  // most files, or not an RFC 3339 time) sorts first: such objects count as
  // the oldest.
  CreationTime creation_time = kUnknownCreation;
  // Boxed: unset when the object has neither, and on decoded HTTPRoutes,
  // whose translation reads neither (one pointer per route, not two maps).
  BoxedOptional<MetaTags> tags;

  const StringMap& labels() const;
  const StringMap& annotations() const;
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
