#pragma once

// SharedString is an immutable string whose copies share one allocation: a
// copy is a pointer and a reference count, not a new buffer.
//
// Why: a route's hostname is held four or five times over (the decoded
// HTTPRoute, its route entry, the virtual host cache's key, the virtual
// host), each a std::string of 32 bytes with, past 15 characters, a buffer
// of its own. As a SharedString each copy is 8 bytes and the text is one
// block (an 8-byte header and the characters): at 5,000 routes about
// 0.9 MB less heap.
//
// The reference count is atomic, so copies may be made and dropped on
// different threads (the reconciler builds tables the proxy's workers read
// and the RCU grace period frees). The empty string holds no block.

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace atrium {

class SharedString {
 public:
  SharedString() = default;
  // Implicit on purpose: a SharedString stands wherever a string was written.
  SharedString(std::string_view text) {  // NOLINT(google-explicit-constructor)
    if (text.empty()) return;
    void* memory = ::operator new(sizeof(Block) + text.size());
    block_ = new (memory) Block{{1}, static_cast<uint32_t>(text.size())};
    std::memcpy(reinterpret_cast<char*>(block_ + 1), text.data(), text.size());
  }
  SharedString(const std::string& text) : SharedString(std::string_view(text)) {}  // NOLINT
  SharedString(const char* text) : SharedString(std::string_view(text)) {}         // NOLINT

  SharedString(const SharedString& other) noexcept : block_(other.block_) { Acquire(); }
  SharedString(SharedString&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  SharedString& operator=(const SharedString& other) noexcept {
    Block* incoming = other.block_;  // read first: other may be this
    other.Acquire();
    Release();
    block_ = incoming;
    return *this;
  }
  SharedString& operator=(SharedString&& other) noexcept {
    if (this != &other) {
      Release();
      block_ = std::exchange(other.block_, nullptr);
    }
    return *this;
  }
  ~SharedString() { Release(); }

  std::string_view view() const {
    return block_ == nullptr ? std::string_view() : std::string_view(Chars(), block_->size);
  }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }

  size_t size() const { return block_ == nullptr ? 0 : block_->size; }
  bool empty() const { return block_ == nullptr; }
  const char* data() const { return block_ == nullptr ? "" : Chars(); }
  char operator[](size_t index) const { return Chars()[index]; }
  bool starts_with(std::string_view prefix) const { return view().starts_with(prefix); }
  bool ends_with(std::string_view suffix) const { return view().ends_with(suffix); }
  size_t find(char c, size_t from = 0) const { return view().find(c, from); }
  std::string_view::const_iterator begin() const { return view().begin(); }
  std::string_view::const_iterator end() const { return view().end(); }

  // SameBlock: both are copies of one string (or both empty).
  bool SameBlock(const SharedString& other) const { return block_ == other.block_; }

  friend bool operator==(const SharedString& a, const SharedString& b) {
    return a.block_ == b.block_ || a.view() == b.view();
  }
  friend std::strong_ordering operator<=>(const SharedString& a, const SharedString& b) {
    return a.view() <=> b.view();
  }
  friend bool operator==(const SharedString& a, std::string_view b) { return a.view() == b; }
  friend std::strong_ordering operator<=>(const SharedString& a, std::string_view b) {
    return a.view() <=> b;
  }
  friend bool operator==(const SharedString& a, const char* b) {
    return a.view() == std::string_view(b);
  }
  friend bool operator==(const SharedString& a, const std::string& b) {
    return a.view() == std::string_view(b);
  }
  friend std::ostream& operator<<(std::ostream& out, const SharedString& text) {
    return out << text.view();
  }

 private:
  // The characters follow the header in the same allocation.
  struct Block {
    std::atomic<uint32_t> references;
    uint32_t size;
  };
  const char* Chars() const { return reinterpret_cast<const char*>(block_ + 1); }
  void Acquire() const {
    if (block_ != nullptr) block_->references.fetch_add(1, std::memory_order_relaxed);
  }
  void Release() {
    if (block_ == nullptr) return;
    // acq_rel: the last holder sees every other holder's reads finished.
    if (block_->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      block_->~Block();
      ::operator delete(block_);
    }
    block_ = nullptr;
  }

  Block* block_ = nullptr;
};

}  // namespace atrium

template <>
struct std::hash<atrium::SharedString> {
  size_t operator()(const atrium::SharedString& text) const {
    return std::hash<std::string_view>{}(text.view());
  }
};
