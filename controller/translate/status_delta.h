#pragma once

// StatusDelta is how the statuses of one reconcile differ from the last
// one's: what a status writer has to look at. A pass that changed one route
// of thousands hands over one status, not thousands (unchanged statuses are
// the same shared documents, found equal by a pointer comparison).

#include <vector>

#include "controller/translate/translate.h"

namespace atrium::translate {

struct StatusDelta {
  std::vector<SharedStatus> changed;  // new, or different from before
  std::vector<SharedStatus> removed;  // before's statuses of objects no longer ours
  bool empty() const { return changed.empty() && removed.empty(); }
};

// DiffStatuses compares two results' statuses, both sorted by kind,
// namespace, name (as Translate returns them).
StatusDelta DiffStatuses(const std::vector<SharedStatus>& before,
                         const std::vector<SharedStatus>& after);

}  // namespace atrium::translate
