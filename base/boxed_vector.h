#pragma once

// BoxedVector<T> is a std::vector<T> that is one pointer wide while it is
// empty: the vector lives on the heap once the first element is added. It is
// for lists that records existing by the thousand almost never fill — a
// route match's header and query conditions, a route's mirrors — where
// std::vector's three pointers are 24 bytes of nothing in every route,
// every decoded rule and every backend (BoxedOptional's reasoning, for
// lists).
//
// It has value semantics like std::vector: copying copies the elements, ==
// compares them (an empty BoxedVector equals one whose elements were all
// cleared). Only the std::vector operations the code base uses are provided.

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace atrium {

template <typename T>
class BoxedVector {
 public:
  using value_type = T;
  using size_type = std::size_t;
  using iterator = T*;
  using const_iterator = const T*;

  BoxedVector() = default;
  BoxedVector(std::initializer_list<T> values) {
    if (values.size() != 0) items_ = std::make_unique<std::vector<T>>(values);
  }
  BoxedVector(const BoxedVector& other)
      : items_(other.empty() ? nullptr : std::make_unique<std::vector<T>>(*other.items_)) {}
  BoxedVector(BoxedVector&&) noexcept = default;
  BoxedVector& operator=(const BoxedVector& other) {
    if (this != &other) {
      items_ = other.empty() ? nullptr : std::make_unique<std::vector<T>>(*other.items_);
    }
    return *this;
  }
  BoxedVector& operator=(BoxedVector&&) noexcept = default;
  ~BoxedVector() = default;

  bool empty() const { return items_ == nullptr || items_->empty(); }
  size_type size() const { return items_ == nullptr ? 0 : items_->size(); }

  T* begin() { return items_ == nullptr ? nullptr : items_->data(); }
  T* end() { return begin() + size(); }
  const T* begin() const { return items_ == nullptr ? nullptr : items_->data(); }
  const T* end() const { return begin() + size(); }

  T& operator[](size_type index) { return (*items_)[index]; }
  const T& operator[](size_type index) const { return (*items_)[index]; }
  T& back() { return items_->back(); }
  const T& back() const { return items_->back(); }

  void push_back(T value) { Items().push_back(std::move(value)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    return Items().emplace_back(std::forward<Args>(args)...);
  }
  void reserve(size_type size) {
    if (size != 0) Items().reserve(size);
  }
  void clear() { items_.reset(); }

  friend bool operator==(const BoxedVector& a, const BoxedVector& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::vector<T>& Items() {
    if (items_ == nullptr) items_ = std::make_unique<std::vector<T>>();
    return *items_;
  }

  std::unique_ptr<std::vector<T>> items_;
};

}  // namespace atrium
