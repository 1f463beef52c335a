#pragma once

// ObjectUid is a Kubernetes metadata.uid, held in 24 bytes without an
// allocation when it is a UUID in the canonical lowercase text form the API
// server generates ("0b9f3f9e-4c1d-4d59-9d4e-2f9a1c3b5d7e"), and as its text
// otherwise (uids are opaque strings to clients). As a std::string a UUID took
// 32 bytes and a 48-byte allocation in every decoded HTTPRoute.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/boxed_optional.h"

namespace atrium::translate {

class ObjectUid {
 public:
  ObjectUid() = default;
  explicit ObjectUid(std::string_view text);

  // str is the uid as written.
  std::string str() const;
  bool empty() const { return !text_ && bytes_ == std::array<uint8_t, 16>{}; }

  bool operator==(const ObjectUid&) const = default;

 private:
  // A UUID's 16 bytes (all zero: no uid), or, when text_ is set, unused.
  // The nil UUID is held as text, so that all zero means empty.
  std::array<uint8_t, 16> bytes_{};
  BoxedOptional<std::string> text_;
};

}  // namespace atrium::translate
