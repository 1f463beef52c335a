#include "controller/admin/chunked_streambuf.h"

#include <utility>

namespace atrium::admin {

ChunkedStreambuf::ChunkedStreambuf(Writer writer, size_t chunk)
    : writer_(std::move(writer)), buffer_(chunk == 0 ? 1 : chunk) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

ChunkedStreambuf::~ChunkedStreambuf() { Flush(); }

bool ChunkedStreambuf::Flush() {
  const std::string_view pending(pbase(), static_cast<size_t>(pptr() - pbase()));
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  if (failed_) return false;
  if (!pending.empty() && !writer_(pending)) failed_ = true;
  return !failed_;
}

ChunkedStreambuf::int_type ChunkedStreambuf::overflow(int_type c) {
  if (!Flush()) return traits_type::eof();
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  *pptr() = traits_type::to_char_type(c);
  pbump(1);
  return c;
}

int ChunkedStreambuf::sync() { return Flush() ? 0 : -1; }

}  // namespace atrium::admin
