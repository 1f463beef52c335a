#pragma once

// HostPort parses the --admin-address flag ("127.0.0.1:9901", "[::1]:9901",
// "localhost:9901"). A pure function, so the flag's edge cases are unit-tested.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atrium::admin {

struct HostPort {
  std::string host;  // without IPv6 brackets
  uint16_t port = 0;
  bool operator==(const HostPort&) const = default;
};

// ParseHostPort returns nullopt unless text is HOST:PORT with a non-empty
// host (an IPv6 literal in brackets) and a decimal port in 0..65535.
std::optional<HostPort> ParseHostPort(std::string_view text);

}  // namespace atrium::admin
