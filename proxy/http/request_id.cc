#include "proxy/http/request_id.h"

namespace atrium::http {

std::string_view FormatRequestId(uint64_t hi, uint64_t lo, char (&out)[kRequestIdLength]) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Version 4 in the high nibble of byte 6, variant 10xx in byte 8.
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  uint8_t bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  size_t pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[pos++] = '-';
    out[pos++] = kHex[bytes[i] >> 4];
    out[pos++] = kHex[bytes[i] & 0xf];
  }
  return std::string_view(out, kRequestIdLength);
}

}  // namespace atrium::http
