#pragma once

// Port binding rule: a listener on port P < 1024 is bound at P + port_offset
// so that the process runs as non-root; P >= 1024 binds as written.

#include <cstdint>
#include <optional>

namespace atrium::translate {

// BindPort returns the port to bind for spec port, nullopt when port is out
// of range or the offset pushes it past 65535.
inline std::optional<uint16_t> BindPort(int64_t port, uint16_t port_offset) {
  if (port < 1 || port > 65535) return std::nullopt;
  int64_t bind = port < 1024 ? port + port_offset : port;
  if (bind > 65535) return std::nullopt;
  return static_cast<uint16_t>(bind);
}

}  // namespace atrium::translate
