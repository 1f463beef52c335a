#pragma once

// NamespaceIndex gives the labels of a namespace for allowedRoutes selectors.
// Every namespace carries kubernetes.io/metadata.name (the API server sets it
// since Kubernetes 1.22), including namespaces that exist only implicitly in
// --manifests mode (objects in a namespace with no Namespace object).

#include <map>
#include <string>
#include <string_view>

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

}  // namespace atrium::translate
