#pragma once

// LabelSelector is a metav1.LabelSelector (matchLabels and matchExpressions
// with In, NotIn, Exists, DoesNotExist), as used by a Gateway listener's
// allowedRoutes.namespaces.selector.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace atrium::translate {

class LabelSelector {
 public:
  using Labels = std::map<std::string, std::string>;

  // Parse reads a selector. Throws InputError when it is malformed or uses an
  // unknown operator (the API server would have refused it).
  static LabelSelector Parse(const nlohmann::json& selector, std::string_view path);

  // Matches tells whether labels satisfy every requirement. An empty
  // selector matches everything.
  bool Matches(const Labels& labels) const;

  bool operator==(const LabelSelector&) const = default;

 private:
  struct Requirement {
    std::string key;
    std::string op;  // In, NotIn, Exists, DoesNotExist
    std::vector<std::string> values;
    bool operator==(const Requirement&) const = default;
  };
  std::vector<Requirement> requirements_;
};

}  // namespace atrium::translate
