#pragma once

// NamespaceIndex gives the labels of a namespace for allowedRoutes selectors.
// Every namespace carries kubernetes.io/metadata.name (the API server sets it
// since Kubernetes 1.22), including namespaces that exist only implicitly in
// --manifests mode (objects in a namespace with no Namespace object).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/state/cluster_state.h"
#include "controller/translate/problems.h"

namespace atrium::translate {

class NamespaceIndex {
 public:
  using Labels = std::map<std::string, std::string>;

  NamespaceIndex(const state::ObjectMap& namespaces, ProblemList& problems);

  Labels LabelsOf(std::string_view ns) const;

 private:
  std::map<std::string, Labels, std::less<>> labels_;
};

// NamespaceIndexMemo keeps a NamespaceIndex, and the problems found building
// it, from pass to pass until a Namespace changes: a pass does not parse
// every Namespace again. Not thread-safe (the reconciler thread owns it).
class NamespaceIndexMemo {
 public:
  // Get returns the index of namespaces, built again only after a Namespace
  // changed, and adds the problems found building it to problems.
  const NamespaceIndex& Get(const state::ObjectMap& namespaces, ProblemList& problems);
  // Changed reports a change of an object of kind (only Namespaces matter).
  void Changed(std::string_view kind) {
    if (kind == state::kNamespace) index_.reset();
  }
  void Clear() { index_.reset(); }

 private:
  std::optional<NamespaceIndex> index_;
  std::vector<Problem> problems_;  // found building index_
};

}  // namespace atrium::translate
