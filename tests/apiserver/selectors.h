#pragma once

// Label and field selectors as the Kubernetes API parses them from the
// labelSelector and fieldSelector query parameters.
//
// Label selectors: comma-separated requirements, each one of `key`, `!key`,
// `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`.
// Field selectors: `path=value`, `path==value`, `path!=value`, where path is
// a dotted path into the object (metadata.name, metadata.namespace, type,
// involvedObject.name, ...); `\,` `\=` and `\\` escape in values.
//
// Both are plain values: parse once, then Matches from any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace atrium::testing {

class LabelSelector {
 public:
  enum class Op { kExists, kNotExists, kEquals, kNotEquals, kIn, kNotIn };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;
  };

  // Parse returns nullopt (and why in *error) for malformed text. An empty
  // text selects everything.
  static std::optional<LabelSelector> Parse(std::string_view text, std::string* error);

  // Matches tells whether the object's metadata.labels satisfy every requirement.
  bool Matches(const nlohmann::json& object) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

class FieldSelector {
 public:
  struct Requirement {
    std::string path;
    bool equals = true;
    std::string value;
  };

  static std::optional<FieldSelector> Parse(std::string_view text, std::string* error);

  bool Matches(const nlohmann::json& object) const;
  bool empty() const { return requirements_.empty(); }

  // ExactName returns the value of a metadata.name=X requirement, if any.
  std::optional<std::string> ExactName() const;

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace atrium::testing
