#include "controller/translate/object_uid.h"

#include <charconv>

namespace atrium::translate {
namespace {

constexpr size_t kUuidLength = 36;
constexpr std::string_view kLowerHexDigits = "0123456789abcdef";

bool IsDash(size_t position) {
  return position == 8 || position == 13 || position == 18 || position == 23;
}

// ParseUuid fills bytes from a canonical lowercase UUID; false for any other
// text (uppercase digits would not print back as written).
bool ParseUuid(std::string_view text, std::array<uint8_t, 16>& bytes) {
  if (text.size() != kUuidLength) return false;
  size_t byte = 0;
  for (size_t i = 0; i < kUuidLength;) {
    if (IsDash(i)) {
      if (text[i] != '-') return false;
      ++i;
      continue;
    }
    if (kLowerHexDigits.find(text[i]) == std::string_view::npos ||
        kLowerHexDigits.find(text[i + 1]) == std::string_view::npos) {
      return false;
    }
    std::from_chars(text.data() + i, text.data() + i + 2, bytes[byte++], 16);
    i += 2;
  }
  return true;
}

}  // namespace

ObjectUid::ObjectUid(std::string_view text) {
  if (text.empty()) return;
  if (!ParseUuid(text, bytes_) || empty()) {
    bytes_ = {};
    text_ = std::string(text);
  }
}

std::string ObjectUid::str() const {
  if (text_) return *text_;
  if (empty()) return "";
  std::string text;
  text.reserve(kUuidLength);
  for (size_t i = 0; i < bytes_.size(); ++i) {
    if (IsDash(text.size())) text.push_back('-');
    text.push_back(kLowerHexDigits[bytes_[i] >> 4]);
    text.push_back(kLowerHexDigits[bytes_[i] & 0xf]);
  }
  return text;
}

}  // namespace atrium::translate
