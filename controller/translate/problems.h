#pragma once

// ProblemList collects the bad input translate meets (each becomes a log
// line and an /admin/status entry). Not thread-safe: one per Translate call.

#include <string>
#include <string_view>
#include <vector>

#include "controller/translate/translate.h"

namespace atrium::translate {

class ProblemList {
 public:
  void Add(std::string_view kind, std::string_view ns, std::string_view name, std::string reason);

  // Take returns the problems sorted by kind, namespace, name (insertion
  // order within one object) without duplicates.
  std::vector<Problem> Take();

 private:
  std::vector<Problem> problems_;
};

}  // namespace atrium::translate
