#pragma once

// ResourceRegistry is the set of resource types the server serves right now:
// the built-in ones plus one per established CustomResourceDefinition.
// Discovery, URL routing and the C++ object API all look types up here.
//
// Threading: safe from any thread (one mutex). Lookups return shared
// pointers, so a type stays valid for its user after it is removed.

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tests/apiserver/resource_type.h"

namespace atrium::testing {

class ResourceRegistry {
 public:
  // Add serves type, replacing any type with the same Key().
  void Add(ResourceTypePtr type);
  void Remove(const std::string& key);

  // Find returns the type served at /apis/group/version/plural (group "" is
  // the core /api/v1), or null.
  ResourceTypePtr Find(std::string_view group, std::string_view version,
                       std::string_view plural) const;
  // FindByKind resolves an object's apiVersion and kind, or null.
  ResourceTypePtr FindByKind(std::string_view api_version, std::string_view kind) const;
  // FindByName resolves what a person would type: a plural, singular or
  // short name, a Kind, or "plural.group".
  ResourceTypePtr FindByName(std::string_view name) const;

  // All returns every type, sorted by group then plural.
  std::vector<ResourceTypePtr> All() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, ResourceTypePtr> types_;  // by Key()
};

// SplitApiVersion splits "group/version" ("v1" is the core group).
std::pair<std::string, std::string> SplitApiVersion(std::string_view api_version);

}  // namespace atrium::testing
