#include "controller/status/status_merge.h"

#include "controller/state/cluster_state.h"

namespace atrium::status {
namespace {

using nlohmann::json;

const json& Null() {
  static const json null;
  return null;
}

const json& Field(const json& object, const char* name) {
  if (!object.is_object()) return Null();
  auto it = object.find(name);
  return it == object.end() ? Null() : *it;
}

std::string StringField(const json& object, const char* name) {
  const json& value = Field(object, name);
  return value.is_string() ? value.get<std::string>() : "";
}

// FindBy returns the element of array whose field equals value, or null.
const json& FindBy(const json& array, const char* field, const json& value) {
  if (!array.is_array()) return Null();
  for (const json& element : array) {
    if (Field(element, field) == value) return element;
  }
  return Null();
}

bool IsOurs(const json& parent, std::string_view controller_name) {
  return StringField(parent, "controllerName") == controller_name;
}

// StampNested stamps the conditions of each element of desired[list],
// matched with current[list] by key.
void StampNested(json& desired, const json& current, const char* list, const char* key,
                 const std::string& now) {
  if (!desired.is_object() || !desired.contains(list) || !desired[list].is_array()) return;
  for (json& element : desired[list]) {
    if (!element.is_object() || !element.contains("conditions")) continue;
    const json& match = FindBy(Field(current, list), key, Field(element, key));
    StampConditions(element["conditions"], Field(match, "conditions"), now);
  }
}

// FindOurParent returns our entry of parents for parent_ref, or null.
const json& FindOurParent(const json& parents, const json& parent_ref,
                          std::string_view controller_name) {
  if (!parents.is_array()) return Null();
  for (const json& parent : parents) {
    if (IsOurs(parent, controller_name) && Field(parent, "parentRef") == parent_ref) return parent;
  }
  return Null();
}

json OurParents(const json& status, std::string_view controller_name) {
  json ours = json::array();
  const json& parents = Field(status, "parents");
  if (!parents.is_array()) return ours;
  for (const json& parent : parents) {
    if (IsOurs(parent, controller_name)) ours.push_back(parent);
  }
  return ours;
}

}  // namespace

void StampConditions(json& desired, const json& current, const std::string& now) {
  if (!desired.is_array()) return;
  for (json& condition : desired) {
    if (!condition.is_object()) continue;
    const json& previous = FindBy(current, "type", Field(condition, "type"));
    const json& previous_time = Field(previous, "lastTransitionTime");
    if (previous_time.is_string() && Field(previous, "status") == Field(condition, "status") &&
        Field(previous, "reason") == Field(condition, "reason")) {
      condition["lastTransitionTime"] = previous_time;
    } else {
      condition["lastTransitionTime"] = now;
    }
  }
}

json MergeStatus(std::string_view kind, const json& current, json desired,
                 std::string_view controller_name, const std::string& now) {
  if (!desired.is_object()) desired = json::object();
  if (desired.contains("conditions")) {
    StampConditions(desired["conditions"], Field(current, "conditions"), now);
  }
  if (kind == state::kGateway) StampNested(desired, current, "listeners", "name", now);
  if (kind != state::kHttpRoute) return desired;

  // HTTPRoute: others' entries first, as they are, then ours.
  json parents = json::array();
  const json& current_parents = Field(current, "parents");
  if (current_parents.is_array()) {
    for (const json& parent : current_parents) {
      if (!IsOurs(parent, controller_name)) parents.push_back(parent);
    }
  }
  if (desired.contains("parents") && desired["parents"].is_array()) {
    for (json& parent : desired["parents"]) {
      if (!parent.is_object()) continue;
      parent["controllerName"] = std::string(controller_name);
      const json& previous =
          FindOurParent(current_parents, Field(parent, "parentRef"), controller_name);
      if (parent.contains("conditions")) {
        StampConditions(parent["conditions"], Field(previous, "conditions"), now);
      }
      parents.push_back(std::move(parent));
    }
  }
  desired["parents"] = std::move(parents);
  return desired;
}

bool StatusChanged(std::string_view kind, const json& current, const json& merged,
                   std::string_view controller_name) {
  if (!merged.is_object()) return false;
  for (const auto& [field, value] : merged.items()) {
    if (kind == state::kHttpRoute && field == "parents") {
      if (OurParents(current, controller_name) != OurParents(merged, controller_name)) {
        return true;
      }
      continue;
    }
    if (Field(current, field.c_str()) != value) return true;
  }
  return false;
}

}  // namespace atrium::status
