#pragma once

// Hashing for the route table's indexes: fast on short keys (host names,
// path segments), 8 bytes per multiply, and incremental by path segment so
// that one walk over a request path yields the hash of every prefix that
// ends at a '/' boundary. The hashes only place keys in an index; a hit is
// always confirmed by comparing the key bytes, so a collision costs a
// comparison, never a wrong route.
//
// Every hash starts from a seed that the index picked with RandomHashSeed
// when it was built, so the slots of configured keys cannot be predicted
// (and crowded) by whoever writes the routes.
//
// Everything here is pure, allocation-free and safe to call from any thread.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace atrium::table {

// NewRandomHashSeed draws a seed from std::random_device.
uint64_t NewRandomHashSeed();

// RandomHashSeed returns a random seed, chosen once per process. It is
// initialized on first use (thread-safe), so no index can be built with a
// seed that is not yet set; inline, because lookups read it.
inline uint64_t RandomHashSeed() {
  static const uint64_t seed = NewRandomHashSeed();
  return seed;
}

// Multipliers from wyhash (public domain): odd, with well-spread bits.
inline constexpr uint64_t kHashWordMultiplier = 0xe7037ed1a0b428dbull;
inline constexpr uint64_t kHashTailMultiplier = 0x8ebc6af09c88c6e3ull;

// HashMix folds the 128-bit product of a and b into 64 bits.
inline uint64_t HashMix(uint64_t a, uint64_t b) {
#if defined(__x86_64__) && defined(__GNUC__)
  // One mulq. From the __int128 product below GCC 12 builds the halves
  // through the stack inside hashing loops: a store and a reload (about
  // five cycles) on the critical path of every word hashed.
  uint64_t low;
  uint64_t high;
  asm("mulq %3" : "=a"(low), "=d"(high) : "%0"(a), "rm"(b) : "cc");
  return low ^ high;
#else
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
#endif
}

inline uint64_t LoadWord(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// LoadTail reads the last 0..8 bytes of a key without reading past them.
// For a given n the result determines the n bytes; n itself is mixed in by
// the caller.
inline uint64_t LoadTail(const char* p, size_t n) {
  if (n >= 4) {
    uint32_t low;
    uint32_t high;
    std::memcpy(&low, p, sizeof(low));
    std::memcpy(&high, p + n - 4, sizeof(high));
    return (static_cast<uint64_t>(high) << 32) | low;
  }
  if (n == 0) return 0;
  const auto byte = [p](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(p[i])); };
  return (byte(0) << 16) | (byte(n >> 1) << 8) | byte(n - 1);
}

// HashSpan continues state over n bytes: whole words first, then the last
// word, which for n >= 8 overlaps the one before it (as in wyhash) and for
// n < 8 is read with LoadTail; n selects the final multiplier. HashSpan(s,
// "") is not s, so an empty span still counts as a span.
inline uint64_t HashSpan(uint64_t state, const char* p, size_t n) {
  const uint64_t tail_multiplier = kHashTailMultiplier + (static_cast<uint64_t>(n) << 33);
  if (n < 8) return HashMix(state ^ LoadTail(p, n), tail_multiplier);
  for (size_t i = 0; i + 8 < n; i += 8)
    state = HashMix(state ^ LoadWord(p + i), kHashWordMultiplier);
  return HashMix(state ^ LoadWord(p + n - 8), tail_multiplier);
}

inline uint64_t HashKey(uint64_t seed, std::string_view key) {
  return HashSpan(seed, key.data(), key.size());
}

// LowerAsciiWord lowercases the ASCII letters of eight bytes at once and
// leaves every other byte (including non-ASCII) unchanged.
inline uint64_t LowerAsciiWord(uint64_t word) {
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  const uint64_t heptets = word & ~kHighBits;
  const uint64_t above_z = heptets + 0x2525252525252525ull;     // high bit: byte > 'Z'
  const uint64_t at_least_a = heptets + 0x3f3f3f3f3f3f3f3full;  // high bit: byte >= 'A'
  const uint64_t upper = (at_least_a ^ above_z) & ~word & kHighBits;
  return word | (upper >> 2);
}

inline char LowerAsciiChar(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// LowerAndHashKey writes the lowercase of in[0, n) to out and returns
// HashKey(seed, lowercase) in the same pass, eight bytes at a time (the last
// word overlaps the one before it instead of reading past in + n).
inline uint64_t LowerAndHashKey(uint64_t seed, const char* in, size_t n, char* out) {
  const uint64_t tail_multiplier = kHashTailMultiplier + (static_cast<uint64_t>(n) << 33);
  if (n < 8) {
    for (size_t i = 0; i < n; ++i) out[i] = LowerAsciiChar(in[i]);
    return HashMix(seed ^ LoadTail(out, n), tail_multiplier);
  }
  uint64_t state = seed;
  for (size_t i = 0; i + 8 < n; i += 8) {
    const uint64_t word = LowerAsciiWord(LoadWord(in + i));
    std::memcpy(out + i, &word, sizeof(word));
    state = HashMix(state ^ word, kHashWordMultiplier);
  }
  const uint64_t last = LowerAsciiWord(LoadWord(in + n - 8));
  std::memcpy(out + n - 8, &last, sizeof(last));
  return HashMix(state ^ last, tail_multiplier);
}

// KeyBytesEqual compares n bytes with word loads; n may be 0.
inline bool KeyBytesEqual(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (LoadWord(a + i) != LoadWord(b + i)) return false;
    }
    return LoadWord(a + n - 8) == LoadWord(b + n - 8);
  }
  return LoadTail(a, n) == LoadTail(b, n);
}

// Path hashing. A path is split into segments, each starting at a '/'
// (except a first segment that does not start with one): "/api/v1/" is
// "/api", "/v1", "/". The path's hash chains HashSpan over its segments from
// the seed, so the hash of path.substr(0, i) for every i with path[i] ==
// '/' is a by-product of hashing path, and "" hashes to the seed itself.

// NextSegmentEnd returns the position of the first '/' in [p + 1, end), or
// end. p < end. Scans a word at a time; segments are short, so this beats a
// call to memchr.
inline const char* NextSegmentEnd(const char* p, const char* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  const char* q = p + 1;
  while (end - q >= 8) {
    const uint64_t slashes = LoadWord(q) ^ (kOnes * '/');  // zero bytes where '/'
    const uint64_t found = (slashes - kOnes) & ~slashes & kHighBits;
    if (found != 0) return q + (std::countr_zero(found) >> 3);
    q += 8;
  }
  while (q != end && *q != '/') ++q;
  return q;
}

// HashPath hashes a whole path as described above and counts its segments.
inline uint64_t HashPath(uint64_t seed, std::string_view path, uint32_t* segments = nullptr) {
  uint64_t state = seed;
  uint32_t count = 0;
  const char* p = path.data();
  const char* end = p + path.size();
  while (p != end) {
    const char* segment_end = NextSegmentEnd(p, end);
    state = HashSpan(state, p, static_cast<size_t>(segment_end - p));
    ++count;
    p = segment_end;
  }
  if (segments != nullptr) *segments = count;
  return state;
}

}  // namespace atrium::table
