#include "controller/translate/label_selector.h"

#include <algorithm>

#include "controller/translate/input.h"

namespace atrium::translate {

LabelSelector LabelSelector::Parse(const nlohmann::json& selector, std::string_view path) {
  LabelSelector result;
  const nlohmann::json& match_labels = Object(selector, "matchLabels", path);
  for (const auto& [key, value] : match_labels.items()) {
    result.requirements_.push_back(
        {key, "In", {StringValue(value, Path(Path(path, "matchLabels"), key))}});
  }
  std::string expressions_path = Path(path, "matchExpressions");
  const nlohmann::json& expressions = Array(selector, "matchExpressions", path);
  for (size_t i = 0; i < expressions.size(); ++i) {
    std::string item_path = Path(expressions_path, i);
    Requirement requirement;
    requirement.key = String(expressions[i], "key", item_path);
    requirement.op = String(expressions[i], "operator", item_path);
    const nlohmann::json& values = Array(expressions[i], "values", item_path);
    for (size_t j = 0; j < values.size(); ++j) {
      requirement.values.push_back(StringValue(values[j], Path(Path(item_path, "values"), j)));
    }
    bool takes_values = requirement.op == "In" || requirement.op == "NotIn";
    bool takes_none = requirement.op == "Exists" || requirement.op == "DoesNotExist";
    if (requirement.key.empty()) throw InputError(item_path + ".key: must not be empty");
    if (!takes_values && !takes_none) {
      throw InputError(item_path + ".operator: unknown operator \"" + requirement.op + "\"");
    }
    if (takes_values && requirement.values.empty()) {
      throw InputError(item_path + ".values: must not be empty for " + requirement.op);
    }
    if (takes_none && !requirement.values.empty()) {
      throw InputError(item_path + ".values: must be empty for " + requirement.op);
    }
    result.requirements_.push_back(std::move(requirement));
  }
  return result;
}

bool LabelSelector::Matches(const Labels& labels) const {
  for (const Requirement& requirement : requirements_) {
    auto it = labels.find(requirement.key);
    bool present = it != labels.end();
    bool in_values = present && std::find(requirement.values.begin(), requirement.values.end(),
                                          it->second) != requirement.values.end();
    if (requirement.op == "In" && !in_values) return false;
    if (requirement.op == "NotIn" && in_values) return false;
    if (requirement.op == "Exists" && !present) return false;
    if (requirement.op == "DoesNotExist" && present) return false;
  }
  return true;
}

}  // namespace atrium::translate
