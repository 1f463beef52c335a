#include "controller/translate/object_meta.h"

#include <tuple>

#include "controller/translate/input.h"

namespace atrium::translate {
namespace {

std::map<std::string, std::string> StringMap(const nlohmann::json& metadata, std::string_view key) {
  std::map<std::string, std::string> result;
  const nlohmann::json& map = Object(metadata, key, "metadata");
  for (const auto& [k, v] : map.items()) {
    result[k] = StringValue(v, Path(Path("metadata", key), k));
  }
  return result;
}

}  // namespace

ObjectMeta ParseObjectMeta(const nlohmann::json& object) {
  if (!object.is_object()) throw InputError("object is not a JSON object");
  const nlohmann::json& metadata = Object(object, "metadata", "");
  ObjectMeta meta;
  meta.name = String(metadata, "name", "metadata");
  if (meta.name.empty()) throw InputError("metadata.name is missing");
  meta.ns = String(metadata, "namespace", "metadata");
  meta.generation = OptInt(metadata, "generation", "metadata").value_or(0);
  // Only the string form is meaningful; anything else is treated as unset.
  const nlohmann::json* ts = Member(metadata, "creationTimestamp", "metadata");
  if (ts != nullptr && ts->is_string()) meta.creation_timestamp = ts->get<std::string>();
  meta.labels = StringMap(metadata, "labels");
  meta.annotations = StringMap(metadata, "annotations");
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
  return std::tie(a.creation_timestamp, a.ns, a.name) <
         std::tie(b.creation_timestamp, b.ns, b.name);
}

}  // namespace atrium::translate
