#include "controller/translate/problems.h"

#include <algorithm>
#include <tuple>

namespace atrium::translate {

void ProblemList::Add(std::string_view kind, std::string_view ns, std::string_view name,
                      std::string reason) {
  problems_.push_back(
      Problem{std::string(kind), std::string(ns), std::string(name), std::move(reason)});
}

std::vector<Problem> ProblemList::Take() {
  std::vector<Problem> result;
  result.swap(problems_);
  std::stable_sort(result.begin(), result.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.kind, a.ns, a.name) < std::tie(b.kind, b.ns, b.name);
  });
  std::vector<Problem> unique;
  for (Problem& problem : result) {
    bool seen = false;
    for (auto it = unique.rbegin(); it != unique.rend(); ++it) {
      if (std::tie(it->kind, it->ns, it->name) !=
          std::tie(problem.kind, problem.ns, problem.name)) {
        break;
      }
      if (it->reason == problem.reason) {
        seen = true;
        break;
      }
    }
    if (!seen) unique.push_back(std::move(problem));
  }
  return unique;
}

}  // namespace atrium::translate
