#pragma once

// Request ids are random UUIDv4 strings ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"),
// formatted from 128 bits the caller draws from its own per-worker generator
// (no shared state, no allocation).

#include <cstdint>
#include <string_view>

namespace atrium::http {

inline constexpr size_t kRequestIdLength = 36;

// FormatRequestId writes a UUIDv4 built from hi and lo into out and returns a
// view of it.
std::string_view FormatRequestId(uint64_t hi, uint64_t lo, char (&out)[kRequestIdLength]);

}  // namespace atrium::http
