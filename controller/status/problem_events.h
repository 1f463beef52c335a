#pragma once

// ProblemEvents turns translate's problems into Warning Events (cluster
// mode): one for each problem when it first appears on its object, not again
// on every reconcile while it stays. A problem that goes away and comes back
// is new again (and the recorder's correlation turns an identical repeat into
// a count patch of the Event made before).
//
// Pure: no I/O, no clock. The objects' uid, resourceVersion and apiVersion
// come from the state the problems were computed from.
//
// Threading: not thread-safe; the reconciler's ProblemSink calls it on the
// reconciler thread.

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "controller/kube/event_correlator.h"
#include "controller/state/cluster_state.h"
#include "controller/translate/translate.h"

namespace atrium::status {

class ProblemEvents {
 public:
  // Update returns the events for the problems that were not there in the
  // previous call.
  std::vector<kube::EventRecord> Update(const std::vector<translate::Problem>& problems,
                                        const state::ClusterState& state);

  // Reset forgets what was seen: the next Update reports every problem (a
  // replica that just became leader).
  void Reset() { seen_.clear(); }

  // EventReason is the CamelCase Event reason for a problem
  // ("UnsupportedResourceBackend", "InvalidRegex", "BackendNotFound"...).
  static std::string EventReason(const translate::Problem& problem);

  // EventFor builds the Warning event for problem, on the object as state
  // holds it.
  static kube::EventRecord EventFor(const translate::Problem& problem,
                                    const state::ClusterState& state);

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::set<Key> seen_;
};

}  // namespace atrium::status
