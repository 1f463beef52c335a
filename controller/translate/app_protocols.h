#pragma once

// Backend application protocols (Service port appProtocol, KEP-3726) the
// data plane can speak. Any other value makes an HTTPRoute backend invalid
// (ResolvedRefs=False, UnsupportedProtocol).

#include <string_view>

namespace atrium::translate {

// IsSupportedAppProtocol: empty (plain HTTP/1.1), "http", and
// "kubernetes.io/ws" (WebSocket over HTTP/1.1 Upgrade, which the proxy
// tunnels). HTTP/2 (kubernetes.io/h2c) and TLS to backends are not supported.
inline bool IsSupportedAppProtocol(std::string_view app_protocol) {
  return app_protocol.empty() || app_protocol == "http" || app_protocol == "HTTP" ||
         app_protocol == "kubernetes.io/ws";
}

}  // namespace atrium::translate
