#include "controller/translate/precedence.h"

#include <tuple>

namespace atrium::translate {

std::string NormalizedPrefix(const std::string& value) {
  std::string result = value;
  while (result.size() > 1 && result.back() == '/') result.pop_back();
  return result;
}

void SetMatchPrecedence(const ir::RouteMatch& match, PrecedenceKey& key) {
  switch (match.path.kind) {
    case ir::PathMatchKind::kExact:
      key.path_class = 0;
      key.path_chars = static_cast<uint32_t>(match.path.value.size());
      break;
    case ir::PathMatchKind::kRegularExpression:
      key.path_class = 1;
      key.path_chars = static_cast<uint32_t>(match.path.value.size());
      break;
    case ir::PathMatchKind::kPrefix:
      key.path_class = 2;
      key.path_chars = static_cast<uint32_t>(NormalizedPrefix(match.path.value).size());
      break;
  }
  key.has_method = !match.method.empty();
  key.header_count = static_cast<uint32_t>(match.headers.size());
  key.query_count = static_cast<uint32_t>(match.query_params.size());
}

void SetHostPrecedence(std::string_view route_hostname, PrecedenceKey& key) {
  bool wildcard = route_hostname.starts_with("*");
  key.host_chars = static_cast<uint32_t>(route_hostname.size());
  key.exact_host_chars = wildcard ? 0 : key.host_chars;
}

bool Before(const PrecedenceKey& a, const PrecedenceKey& b) {
  // Larger is better for counts: compare b's counts against a's.
  return std::forward_as_tuple(a.fallback, a.path_class, b.path_chars, b.has_method, b.header_count,
                               b.query_count, b.exact_host_chars, b.host_chars, a.gateway_rank,
                               a.creation_time, a.ns, a.name, a.kind, a.rule_index, a.match_index) <
         std::forward_as_tuple(b.fallback, b.path_class, a.path_chars, a.has_method, a.header_count,
                               a.query_count, a.exact_host_chars, a.host_chars, b.gateway_rank,
                               b.creation_time, b.ns, b.name, b.kind, b.rule_index, b.match_index);
}

}  // namespace atrium::translate
