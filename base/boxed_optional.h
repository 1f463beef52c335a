#pragma once

// BoxedOptional<T> is std::optional<T> with the value on the heap: one
// pointer wide whether or not it holds a value. It is for large, rarely set
// fields of structs that exist by the thousand — a route rule's filters
// (header modifiers, redirect, rewrite, CORS) are absent on almost every
// route, and as std::optional they made each copy of a route (translate's
// entry, the virtual host, the compiled action, each backend) carry ~0.5 kB
// of empty space: ~14 MB at 5,000 routes.
//
// It has value semantics like std::optional: copying copies the value,
// == compares values. Only the std::optional operations the code base uses
// are provided.

#include <memory>
#include <optional>
#include <utility>

namespace atrium {

template <typename T>
class BoxedOptional {
 public:
  BoxedOptional() = default;
  BoxedOptional(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): as std::optional
  BoxedOptional(T value)            // NOLINT(google-explicit-constructor): as std::optional
      : value_(std::make_unique<T>(std::move(value))) {}
  BoxedOptional(const BoxedOptional& other)
      : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  BoxedOptional(BoxedOptional&&) noexcept = default;
  BoxedOptional& operator=(const BoxedOptional& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  BoxedOptional& operator=(BoxedOptional&&) noexcept = default;
  BoxedOptional& operator=(std::nullopt_t) {
    value_.reset();
    return *this;
  }
  BoxedOptional& operator=(T value) {
    value_ = std::make_unique<T>(std::move(value));
    return *this;
  }
  ~BoxedOptional() = default;

  template <typename... Args>
  T& emplace(Args&&... args) {
    value_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *value_;
  }
  void reset() { value_.reset(); }

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return value_ != nullptr; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return value_.get(); }
  const T* operator->() const { return value_.get(); }
  T& value() {
    if (!value_) throw std::bad_optional_access();
    return *value_;
  }
  const T& value() const {
    if (!value_) throw std::bad_optional_access();
    return *value_;
  }

  friend bool operator==(const BoxedOptional& a, const BoxedOptional& b) {
    if (!a.value_ || !b.value_) return !a.value_ && !b.value_;
    return *a.value_ == *b.value_;
  }
  friend bool operator==(const BoxedOptional& a, std::nullopt_t) { return !a.value_; }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace atrium
