#pragma once

// ChunkedStreambuf is an output stream buffer that hands its contents to a
// writer every `chunk` bytes instead of growing: /metrics at thousands of
// routes is megabytes of text, and streaming it to the socket in chunks
// keeps the scrape from holding the whole document (plus the string's
// growth copies) in memory at once.
//
// The writer returns false when the peer is gone; the stream then fails
// (badbit) and later output is dropped.

#include <functional>
#include <streambuf>
#include <string_view>
#include <vector>

namespace atrium::admin {

class ChunkedStreambuf : public std::streambuf {
 public:
  using Writer = std::function<bool(std::string_view)>;

  explicit ChunkedStreambuf(Writer writer, size_t chunk = size_t{64} * 1024);
  ~ChunkedStreambuf() override;
  ChunkedStreambuf(const ChunkedStreambuf&) = delete;
  ChunkedStreambuf& operator=(const ChunkedStreambuf&) = delete;

 protected:
  int_type overflow(int_type c) override;
  int sync() override;

 private:
  bool Flush();
  Writer writer_;
  std::vector<char> buffer_;
  bool failed_ = false;
};

}  // namespace atrium::admin
