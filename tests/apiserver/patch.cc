#include "tests/apiserver/patch.h"

#include <algorithm>

namespace atrium::testing {
namespace {

using nlohmann::json;

constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// MergeKeyFor returns the list merge key at path: nullopt for a list that is
// replaced whole, "" for a set of scalars.
std::optional<std::string> MergeKeyFor(const std::map<std::string, std::string>& keys,
                                       const std::string& path) {
  if (path == "metadata.ownerReferences") return "uid";
  if (path == "metadata.finalizers") return "";
  auto it = keys.find(path);
  if (it == keys.end()) return std::nullopt;
  return it->second;
}

bool IsDirective(const json& value, const char* directive) {
  return value.is_object() && value.contains("$patch") && value["$patch"] == directive;
}

// StripDirectives removes $-keys from a patch fragment that lands where
// nothing existed before.
json StripDirectives(const json& value) {
  if (value.is_array()) {
    json out = json::array();
    for (const json& e : value) {
      if (!IsDirective(e, "replace") && !IsDirective(e, "delete"))
        out.push_back(StripDirectives(e));
    }
    return out;
  }
  if (!value.is_object()) return value;
  json out = json::object();
  for (const auto& [key, v] : value.items()) {
    if (!key.empty() && key[0] == '$') continue;
    if (v.is_null()) continue;
    out[key] = StripDirectives(v);
  }
  return out;
}

struct Merger {
  const std::map<std::string, std::string>& keys;
  std::string error;

  // MergeMap returns the merged map, or nullopt when the patch deletes it.
  std::optional<json> MergeMap(const json& original, const json& patch, const std::string& path) {
    if (IsDirective(patch, "delete")) return std::nullopt;
    if (IsDirective(patch, "replace")) {
      json replaced = patch;
      replaced.erase("$patch");
      return StripDirectives(replaced);
    }
    json result = original.is_object() ? original : json::object();
    for (const auto& [key, value] : patch.items()) {
      if (key == "$patch" || key == "$retainKeys" || StartsWith(key, kSetElementOrder)) continue;
      if (StartsWith(key, kDeleteFromPrimitiveList)) {
        std::string field = key.substr(kDeleteFromPrimitiveList.size());
        if (result.contains(field) && result[field].is_array() && value.is_array()) {
          json kept = json::array();
          for (const json& e : result[field]) {
            if (std::find(value.begin(), value.end(), e) == value.end()) kept.push_back(e);
          }
          result[field] = kept;
        }
        continue;
      }
      if (value.is_null()) {
        result.erase(key);
      } else if (value.is_object()) {
        const json& before = result.contains(key) ? result[key] : json();
        std::optional<json> merged = MergeMap(before, value, Child(path, key));
        if (merged) {
          result[key] = std::move(*merged);
        } else {
          result.erase(key);
        }
      } else if (value.is_array()) {
        const json& before = result.contains(key) ? result[key] : json();
        result[key] = MergeList(before, value, Child(path, key));
      } else {
        result[key] = value;
      }
    }
    if (auto retain = patch.find("$retainKeys"); retain != patch.end() && retain->is_array()) {
      json kept = json::object();
      for (const auto& [key, value] : result.items()) {
        if (std::find(retain->begin(), retain->end(), key) != retain->end()) kept[key] = value;
      }
      result = std::move(kept);
    }
    return result;
  }

  json MergeList(const json& original, const json& patch, const std::string& path) {
    std::optional<std::string> merge_key = MergeKeyFor(keys, path);
    bool replace = std::any_of(patch.begin(), patch.end(),
                               [](const json& e) { return IsDirective(e, "replace"); });
    if (!merge_key || replace || !original.is_array()) return StripDirectives(patch);
    json result = original;
    if (merge_key->empty()) {
      for (const json& e : patch) {
        if (std::find(result.begin(), result.end(), e) == result.end()) result.push_back(e);
      }
      return result;
    }
    const std::string& key = *merge_key;
    for (const json& e : patch) {
      if (!e.is_object() || !e.contains(key)) {
        error = "list element at " + path + " lacks its merge key \"" + key + "\"";
        continue;
      }
      auto same = std::find_if(result.begin(), result.end(), [&](const json& o) {
        return o.is_object() && o.contains(key) && o[key] == e[key];
      });
      if (IsDirective(e, "delete")) {
        if (same != result.end()) result.erase(same);
        continue;
      }
      if (same != result.end()) {
        std::optional<json> merged = MergeMap(*same, e, path);
        if (merged) *same = std::move(*merged);
      } else {
        result.push_back(StripDirectives(e));
      }
    }
    return result;
  }
};

// RemoveDropped erases from result the fields that last listed and applied
// no longer does, descending where both still hold an object.
void RemoveDropped(const json& last, const json& applied, json* result) {
  if (!last.is_object() || !result->is_object()) return;
  for (const auto& [key, value] : last.items()) {
    if (!applied.is_object() || !applied.contains(key)) {
      result->erase(key);
    } else if (value.is_object() && applied[key].is_object() && result->contains(key)) {
      RemoveDropped(value, applied[key], &(*result)[key]);
    }
  }
}

}  // namespace

std::optional<PatchType> PatchTypeFromContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media == "application/merge-patch+json") return PatchType::kMerge;
  if (media == "application/json-patch+json") return PatchType::kJson;
  if (media == "application/strategic-merge-patch+json") return PatchType::kStrategicMerge;
  if (media == "application/apply-patch+yaml" || media == "application/apply-patch+json") {
    return PatchType::kApply;
  }
  return std::nullopt;
}

const char* PatchTypeName(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
  }
  return "";
}

bool ApplyJsonPatch(const json& patch, json* target, std::string* error) {
  if (!patch.is_array()) {
    *error = "a JSON patch must be an array of operations";
    return false;
  }
  try {
    *target = target->patch(patch);
    return true;
  } catch (const json::exception& e) {
    *error = e.what();
    return false;
  }
}

bool ApplyStrategicMergePatch(const json& patch,
                              const std::map<std::string, std::string>& merge_keys, json* target,
                              std::string* error) {
  if (!patch.is_object()) {
    *error = "a strategic merge patch must be a JSON object";
    return false;
  }
  Merger merger{merge_keys, ""};
  std::optional<json> merged = merger.MergeMap(*target, patch, "");
  if (!merger.error.empty()) {
    *error = merger.error;
    return false;
  }
  if (!merged) {
    *error = "a strategic merge patch cannot delete the whole object";
    return false;
  }
  *target = std::move(*merged);
  return true;
}

json ApplyConfiguration(const json& current, const json& last_applied, const json& applied) {
  json result = current.is_object() ? current : json::object();
  RemoveDropped(last_applied, applied, &result);
  result.merge_patch(applied);
  return result;
}

}  // namespace atrium::testing
