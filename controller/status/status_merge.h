#pragma once

// Pure status merging: what the status writer sends, given the status an
// object has now and the status translate computed for it. No I/O, no
// clock (now is a parameter), so every rule is a table test.
//
// Rules:
//   - every condition gets a lastTransitionTime: the one of the current
//     condition of the same type when its status and reason are unchanged,
//     else now (translate has no clock);
//   - conditions are matched within their owner: the object's
//     status.conditions, a Gateway listener's by listener name, an HTTPRoute
//     parent's by parentRef;
//   - HTTPRoute status.parents: only entries whose controllerName is ours
//     are replaced; other controllers' entries are kept as they are, in
//     their order, never removed or rewritten;
//   - anything else in the status is ours and replaced by translate's value.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace atrium::status {

// StampConditions sets lastTransitionTime on every condition of desired (an
// array of metav1.Condition), copying it from current (an array, or
// anything else when there are none) where type, status and reason match.
void StampConditions(nlohmann::json& desired, const nlohmann::json& current,
                     const std::string& now);

// MergeStatus returns the status to write for an object of kind whose
// status is current (null or an object), given translate's desired status.
nlohmann::json MergeStatus(std::string_view kind, const nlohmann::json& current,
                           nlohmann::json desired, std::string_view controller_name,
                           const std::string& now);

// StatusChanged tells whether writing merged (from MergeStatus) would change
// current. Only the fields merged sets are compared (a merge patch leaves
// the others alone); for HTTPRoute only our own parents entries are.
bool StatusChanged(std::string_view kind, const nlohmann::json& current,
                   const nlohmann::json& merged, std::string_view controller_name);

}  // namespace atrium::status
