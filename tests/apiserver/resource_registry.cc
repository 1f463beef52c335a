#include "tests/apiserver/resource_registry.h"

#include <algorithm>
#include <cctype>

namespace atrium::testing {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::pair<std::string, std::string> SplitApiVersion(std::string_view api_version) {
  size_t slash = api_version.find('/');
  if (slash == std::string_view::npos) return {"", std::string(api_version)};
  return {std::string(api_version.substr(0, slash)), std::string(api_version.substr(slash + 1))};
}

void ResourceRegistry::Add(ResourceTypePtr type) {
  std::lock_guard lock(mutex_);
  types_[type->Key()] = std::move(type);
}

void ResourceRegistry::Remove(const std::string& key) {
  std::lock_guard lock(mutex_);
  types_.erase(key);
}

ResourceTypePtr ResourceRegistry::Find(std::string_view group, std::string_view version,
                                       std::string_view plural) const {
  std::lock_guard lock(mutex_);
  auto it = types_.find(std::string(group) + "/" + std::string(plural));
  if (it == types_.end() || !it->second->Serves(version)) return nullptr;
  return it->second;
}

ResourceTypePtr ResourceRegistry::FindByKind(std::string_view api_version,
                                             std::string_view kind) const {
  auto [group, version] = SplitApiVersion(api_version);
  std::lock_guard lock(mutex_);
  for (const auto& [key, type] : types_) {
    if (type->group == group && type->kind == kind && type->Serves(version)) return type;
  }
  return nullptr;
}

ResourceTypePtr ResourceRegistry::FindByName(std::string_view name) const {
  std::string_view group_suffix;
  std::string_view base = name;
  if (size_t dot = name.find('.'); dot != std::string_view::npos) {
    base = name.substr(0, dot);
    group_suffix = name.substr(dot + 1);
  }
  std::lock_guard lock(mutex_);
  for (const auto& [key, type] : types_) {
    if (!group_suffix.empty() && type->group != group_suffix) continue;
    bool match =
        base == type->plural || base == type->singular || EqualsIgnoreCase(base, type->kind);
    for (const std::string& s : type->short_names) match = match || base == s;
    if (match) return type;
  }
  return nullptr;
}

std::vector<ResourceTypePtr> ResourceRegistry::All() const {
  std::lock_guard lock(mutex_);
  std::vector<ResourceTypePtr> all;
  for (const auto& [key, type] : types_) all.push_back(type);
  return all;
}

}  // namespace atrium::testing
