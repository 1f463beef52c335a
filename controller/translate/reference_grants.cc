#include "controller/translate/reference_grants.h"

#include "controller/translate/input.h"
#include "controller/translate/object_meta.h"

namespace atrium::translate {

ReferenceGrantIndex::ReferenceGrantIndex(const state::ObjectMap& grants, ProblemList& problems) {
  for (const auto& [key, object] : grants) {
    try {
      ObjectMeta meta = ParseObjectMeta(object);
      const nlohmann::json& spec = Object(object, "spec", "");
      Grant grant{meta.ns, {}, {}};
      const nlohmann::json& from = Array(spec, "from", "spec");
      for (size_t i = 0; i < from.size(); ++i) {
        std::string path = Path("spec.from", i);
        grant.from.push_back({String(from[i], "group", path), String(from[i], "kind", path),
                              String(from[i], "namespace", path)});
      }
      const nlohmann::json& to = Array(spec, "to", "spec");
      for (size_t i = 0; i < to.size(); ++i) {
        std::string path = Path("spec.to", i);
        grant.to.push_back({String(to[i], "group", path), String(to[i], "kind", path),
                            String(to[i], "name", path)});
      }
      grants_.push_back(std::move(grant));
    } catch (const std::exception& e) {
      auto [ns, name] = SplitKey(key);
      problems.Add(state::kReferenceGrant, ns, name,
                   std::string("malformed ReferenceGrant: ") + e.what());
    }
  }
}

bool ReferenceGrantIndex::Allows(const ObjectRef& from, const ObjectRef& to) const {
  if (from.ns == to.ns) return true;
  for (const Grant& grant : grants_) {
    if (grant.ns != to.ns) continue;
    bool from_ok = false;
    for (const Peer& peer : grant.from) {
      if (peer.group == from.group && peer.kind == from.kind && peer.ns_or_name == from.ns) {
        from_ok = true;
        break;
      }
    }
    if (!from_ok) continue;
    for (const Peer& peer : grant.to) {
      if (peer.group == to.group && peer.kind == to.kind &&
          (peer.ns_or_name.empty() || peer.ns_or_name == to.name)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace atrium::translate
