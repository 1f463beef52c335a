#include "controller/translate/namespace_index.h"

#include "controller/translate/object_meta.h"

namespace atrium::translate {
namespace {
constexpr const char* kNameLabel = "kubernetes.io/metadata.name";
}  // namespace

NamespaceIndex::NamespaceIndex(const state::ObjectMap& namespaces, ProblemList& problems) {
  for (const auto& [key, object] : namespaces) {
    try {
      ObjectMeta meta = ParseObjectMeta(object);
      labels_[meta.name] = meta.labels();
    } catch (const std::exception& e) {
      problems.Add(state::kNamespace, "", key, std::string("malformed Namespace: ") + e.what());
    }
  }
}

NamespaceIndex::Labels NamespaceIndex::LabelsOf(std::string_view ns) const {
  Labels labels;
  auto it = labels_.find(ns);
  if (it != labels_.end()) labels = it->second;
  labels[kNameLabel] = std::string(ns);
  return labels;
}

const NamespaceIndex& NamespaceIndexMemo::Get(const state::ObjectMap& namespaces,
                                              ProblemList& problems) {
  if (!index_) {
    ProblemList found;
    index_.emplace(namespaces, found);
    problems_ = found.From(0);
  }
  for (const Problem& problem : problems_) {
    problems.Add(problem.kind, problem.ns, problem.name, problem.reason);
  }
  return *index_;
}

}  // namespace atrium::translate
