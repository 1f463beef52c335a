#include "proxy/table/key_hash.h"

#include <random>

namespace atrium::table {

uint64_t NewRandomHashSeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace atrium::table
