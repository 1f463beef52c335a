#include "controller/translate/status_documents.h"

#include <string_view>
#include <utility>

#include "controller/translate/conditions.h"

namespace atrium::translate {
namespace {

StatusBody Build(const std::vector<ParentStatus>& parents, int64_t generation) {
  nlohmann::json rendered = nlohmann::json::array();
  for (const ParentStatus& entry : parents) {
    nlohmann::json conditions = nlohmann::json::array();
    conditions.push_back(Condition("Accepted", entry.accepted.status, entry.accepted.reason,
                                   entry.accepted.message, generation));
    conditions.push_back(Condition("ResolvedRefs", entry.resolved_refs.status,
                                   entry.resolved_refs.reason, entry.resolved_refs.message,
                                   generation));
    if (entry.partially_invalid) {
      conditions.push_back(Condition("PartiallyInvalid", true, "UnsupportedValue",
                                     *entry.partially_invalid, generation));
    }
    rendered.push_back({{"parentRef", entry.parent->Echo()},
                        {"controllerName", kGatewayControllerName},
                        {"conditions", std::move(conditions)}});
  }
  return nlohmann::json{{"parents", std::move(rendered)}};
}

}  // namespace

StatusBody StatusDocuments::Render(const std::vector<ParentStatus>& parents, int64_t generation) {
  // The key spells out everything Build reads, each field prefixed by its
  // length so that no two contents run together into the same key.
  std::string key = std::to_string(generation);
  auto add = [&key](std::string_view field) {
    key += std::to_string(field.size());
    key += ':';
    key += field;
  };
  auto add_optional = [&](const auto& field) {  // std::optional or BoxedOptional
    add(field ? "+" + *field : "-");
  };
  auto add_condition = [&](const ConditionState& condition) {
    add(condition.status ? "T" : "F");
    add(condition.reason);
    add(condition.message);
  };
  for (const ParentStatus& entry : parents) {
    const ParentRefSpec& parent = *entry.parent;
    add(parent.group());
    add(parent.kind());
    add(parent.name);
    add(parent.ns_written ? "+" + parent.ns : "-");  // as add_optional renders it
    add_optional(parent.section_name);
    add(parent.port ? std::to_string(*parent.port) : "-");
    add_condition(entry.accepted);
    add_condition(entry.resolved_refs);
    add_optional(entry.partially_invalid);
  }
  auto [it, inserted] = documents_.try_emplace(std::move(key));
  if (inserted) it->second = Build(parents, generation);
  return it->second;
}

void StatusDocuments::ForgetUnused() {
  std::erase_if(documents_, [](const auto& document) { return document.second.use_count() == 1; });
}

}  // namespace atrium::translate
