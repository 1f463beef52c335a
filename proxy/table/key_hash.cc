#include "proxy/table/key_hash.h"

#include <random>

namespace atrium::table {

uint64_t RandomHashSeed() {
  // Initialized on first use (thread-safe), so no index can be built with a
  // seed that is not yet set.
  static const uint64_t seed = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }();
  return seed;
}

}  // namespace atrium::table
