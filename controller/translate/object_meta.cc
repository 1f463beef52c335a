#include "controller/translate/object_meta.h"

#include <tuple>

#include "base/time_format.h"
#include "controller/translate/input.h"

namespace atrium::translate {
namespace {

StringMap ReadStringMap(const nlohmann::json& metadata, std::string_view key) {
  StringMap result;
  const nlohmann::json& map = Object(metadata, key, "metadata");
  for (const auto& [k, v] : map.items()) {
    result[k] = StringValue(v, Path(Path("metadata", key), k));
  }
  return result;
}

const StringMap& NoStrings() {
  static const StringMap none;
  return none;
}

}  // namespace

const StringMap& ObjectMeta::labels() const { return tags ? tags->labels : NoStrings(); }
const StringMap& ObjectMeta::annotations() const { return tags ? tags->annotations : NoStrings(); }

ObjectMeta ParseObjectMeta(const nlohmann::json& object) {
  if (!object.is_object()) throw InputError("object is not a JSON object");
  const nlohmann::json& metadata = Object(object, "metadata", "");
  ObjectMeta meta;
  meta.name = String(metadata, "name", "metadata");
  if (meta.name.empty()) throw InputError("metadata.name is missing");
  meta.ns = String(metadata, "namespace", "metadata");
  meta.generation = OptInt(metadata, "generation", "metadata").value_or(0);
  // Only an RFC 3339 string is meaningful; anything else is treated as unset.
  const nlohmann::json* ts = Member(metadata, "creationTimestamp", "metadata");
  if (ts != nullptr && ts->is_string()) {
    meta.creation_time =
        base::ParseTime(ts->get_ref<const std::string&>()).value_or(kUnknownCreation);
  }
  MetaTags tags{ReadStringMap(metadata, "labels"), ReadStringMap(metadata, "annotations")};
  if (!tags.labels.empty() || !tags.annotations.empty()) meta.tags = std::move(tags);
  return meta;
}

std::string MetadataString(const nlohmann::json& object, std::string_view field) {
  if (!object.is_object()) return "";
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto it = metadata->find(field);
  return it != metadata->end() && it->is_string() ? it->get<std::string>() : "";
}

std::pair<std::string, std::string> SplitKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

bool OlderThan(const ObjectMeta& a, const ObjectMeta& b) {
  return std::tie(a.creation_time, a.ns, a.name) < std::tie(b.creation_time, b.ns, b.name);
}

}  // namespace atrium::translate
