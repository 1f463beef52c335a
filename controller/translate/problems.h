#pragma once

// ProblemList collects the bad input translate meets (each becomes a log
// line and an /admin/status entry). Not thread-safe: one per Translate call.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "controller/translate/translate.h"

namespace atrium::translate {

class ProblemList {
 public:
  void Add(std::string_view kind, std::string_view ns, std::string_view name, std::string reason);

  // size and From let a caller see what one object added (the memo keeps
  // each HTTPRoute's problems to replay them).
  size_t size() const { return problems_.size(); }
  std::vector<Problem> From(size_t first) const {
    return {problems_.begin() + static_cast<std::ptrdiff_t>(first), problems_.end()};
  }

  // Take returns the problems sorted by kind, namespace, name (insertion
  // order within one object) without duplicates.
  std::vector<Problem> Take();

 private:
  std::vector<Problem> problems_;
};

}  // namespace atrium::translate
