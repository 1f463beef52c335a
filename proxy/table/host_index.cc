#include "proxy/table/host_index.h"

namespace atrium::table {

std::string HostIndexKey(ir::HostnameKind kind, std::string_view hostname) {
  if (kind == ir::HostnameKind::kAny) return std::string();
  const std::string_view host = HostWithoutPort(hostname);
  std::string key(host.size(), '\0');
  for (size_t i = 0; i < host.size(); ++i) key[i] = LowerAsciiChar(host[i]);
  if (kind != ir::HostnameKind::kExact && !key.empty() && key.front() == '*') key.erase(0, 1);
  return key;
}

}  // namespace atrium::table
