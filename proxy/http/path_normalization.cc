#include "proxy/http/path_normalization.h"

#include <optional>
#include <string>

#include "controller/ir/path_normal_form.h"

namespace atrium::http {

Verdict NormalizeRequestPath(RequestHeader& header, RequestFacts* facts) {
  const RequestTarget& target = facts->target;
  if (target.form != TargetForm::kOrigin && target.form != TargetForm::kAbsolute) return {};
  ir::NormalizedPath normalized = ir::NormalizePath(target.path);
  if (normalized.malformed) return Verdict{400, "malformed percent-encoding in the path"};
  if (!normalized.changed) return {};

  // Built before the header changes: target's views point into it.
  std::string rewritten;
  if (target.form == TargetForm::kAbsolute) {
    rewritten.append(target.scheme).append("://").append(target.authority);
  }
  rewritten.append(*normalized.changed);
  if (!target.query.empty()) rewritten.append("?").append(target.query);
  const bool absolute = target.form == TargetForm::kAbsolute;
  header.target(rewritten);
  std::optional<RequestTarget> parsed = ParseRequestTarget(header.target());
  // The normal form adds no character a target may not hold.
  if (!parsed) return Verdict{400, "malformed request target"};
  facts->target = *parsed;
  if (absolute) facts->host = parsed->authority;
  return {};
}

}  // namespace atrium::http
