#pragma once

// ReferenceGrantIndex answers whether a cross-namespace reference is allowed
// by a ReferenceGrant (gateway.networking.k8s.io) in the target namespace.
// References within one namespace are always allowed.

#include <string>
#include <string_view>
#include <vector>

#include "controller/state/cluster_state.h"
#include "controller/translate/api_groups.h"
#include "controller/translate/problems.h"

namespace atrium::translate {

// ObjectRef names one side of a reference. group "" is the core API group.
struct ObjectRef {
  std::string group;
  std::string kind;
  std::string ns;
  std::string name;  // ignored on the "from" side
};

class ReferenceGrantIndex {
 public:
  // Malformed ReferenceGrants are reported to problems and grant nothing.
  ReferenceGrantIndex(const state::ObjectMap& grants, ProblemList& problems);

  bool Allows(const ObjectRef& from, const ObjectRef& to) const;

 private:
  struct Peer {
    std::string group;
    std::string kind;
    std::string ns_or_name;  // namespace for "from", name ("" = all) for "to"
  };
  struct Grant {
    std::string ns;
    std::vector<Peer> from;
    std::vector<Peer> to;
  };
  std::vector<Grant> grants_;
};

}  // namespace atrium::translate
