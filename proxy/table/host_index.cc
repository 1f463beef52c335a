#include "proxy/table/host_index.h"

namespace atrium::table {

std::string HostIndexKey(ir::HostnameKind kind, std::string_view hostname) {
  std::string key;
  AppendHostIndexKey(kind, hostname, &key);
  return key;
}

void AppendHostIndexKey(ir::HostnameKind kind, std::string_view hostname, std::string* out) {
  if (kind == ir::HostnameKind::kAny) return;
  std::string_view host = HostWithoutPort(hostname);
  if (kind != ir::HostnameKind::kExact && !host.empty() && host.front() == '*') {
    host.remove_prefix(1);
  }
  for (const char c : host) out->push_back(LowerAsciiChar(c));
}

}  // namespace atrium::table
