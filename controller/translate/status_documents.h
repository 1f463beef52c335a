#pragma once

// StatusDocuments renders HTTPRoute statuses, each distinct document once:
// thousands of healthy routes attached to one Gateway carry the very same
// status, which is then one shared document. The memo keeps one across
// passes (HttpRouteMemo::documents), so routes translated in different
// passes share it too: during a load of 5,000 routes, arriving over a
// hundred passes, each pass used to render its own copy, and the memo then
// held hundreds of identical JSON trees (~0.6 MB).
//
// Pure data, no I/O; not thread-safe (the reconciler thread owns it).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller/translate/gateway_translator.h"
#include "controller/translate/httproute_spec.h"
#include "controller/translate/translate.h"

namespace atrium::translate {

// ParentStatus is one entry of status.parents before rendering.
struct ParentStatus {
  const ParentRefSpec* parent;
  ConditionState accepted;
  ConditionState resolved_refs;
  std::optional<std::string> partially_invalid;  // the PartiallyInvalid message
};

class StatusDocuments {
 public:
  // Render is the status document for parents at generation: the one
  // rendered before for the same content, else a new one.
  StatusBody Render(const std::vector<ParentStatus>& parents, int64_t generation);

  // ForgetUnused drops the documents no status holds any more (the cache's
  // reference is the only one left), so that documents of routes that
  // changed or went away do not pile up.
  void ForgetUnused();

  size_t size() const { return documents_.size(); }

 private:
  std::unordered_map<std::string, StatusBody> documents_;  // by content key
};

}  // namespace atrium::translate
