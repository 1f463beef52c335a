#include "proxy/table/host_index.h"

#include <string.h>

namespace atrium::table {

std::string_view HostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
  } else {
    // memrchr (glibc) scans backwards a vector at a time.
    const void* colon = host.empty() ? nullptr : memrchr(host.data(), ':', host.size());
    if (colon != nullptr) host = host.substr(0, static_cast<const char*>(colon) - host.data());
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

std::string HostIndexKey(ir::HostnameKind kind, std::string_view hostname) {
  if (kind == ir::HostnameKind::kAny) return std::string();
  const std::string_view host = HostWithoutPort(hostname);
  std::string key(host.size(), '\0');
  for (size_t i = 0; i < host.size(); ++i) key[i] = LowerAsciiChar(host[i]);
  if (kind != ir::HostnameKind::kExact && !key.empty() && key.front() == '*') key.erase(0, 1);
  return key;
}

}  // namespace atrium::table
