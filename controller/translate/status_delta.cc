#include "controller/translate/status_delta.h"

#include <tuple>

namespace atrium::translate {

StatusDelta DiffStatuses(const std::vector<SharedStatus>& before,
                         const std::vector<SharedStatus>& after) {
  StatusDelta delta;
  auto key = [](const ObjectStatus& status) {
    return std::tie(status.kind, status.ns, status.name);
  };
  size_t i = 0;
  size_t j = 0;
  while (i < before.size() || j < after.size()) {
    if (j == after.size() || (i < before.size() && key(before[i]) < key(after[j]))) {
      delta.removed.push_back(before[i++]);
    } else if (i == before.size() || key(after[j]) < key(before[i])) {
      delta.changed.push_back(after[j++]);
    } else {
      if (!(before[i] == after[j])) delta.changed.push_back(after[j]);
      ++i;
      ++j;
    }
  }
  return delta;
}

}  // namespace atrium::translate
