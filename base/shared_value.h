#pragma once

// SharedValue<T> is an immutable T held by shared reference, with value
// semantics for reading: copying one copies a pointer, and == compares the
// pointers before the values. The control plane passes thousands of route
// documents from one reconcile pass to the next; those that did not change
// are the same objects as last time, so carrying them forward and finding
// them unchanged costs a pointer each, not a deep copy and a deep compare.
//
// It converts implicitly from T and to const T&, so code that builds or
// reads plain values keeps working; Mutable() is copy-on-write for the rare
// code (builders, tests) that edits one in place.

#include <initializer_list>
#include <memory>
#include <type_traits>
#include <utility>

namespace atrium {

template <typename T>
class SharedValue {
 public:
  SharedValue() : value_(std::make_shared<T>()) {}
  // Implicit on purpose: a SharedValue<T> stands wherever a T was written.
  SharedValue(T value)  // NOLINT(google-explicit-constructor)
      : value_(std::make_shared<T>(std::move(value))) {}

  // A container is built from a braced list as the container itself would
  // be: SharedValue<std::vector<E>> list = {e1, e2}.
  template <typename U = T, typename E = typename U::value_type>
  SharedValue(  // NOLINT(google-explicit-constructor)
      std::initializer_list<std::type_identity_t<E>> values)
      : value_(std::make_shared<T>(values)) {}

  operator const T&() const { return *value_; }  // NOLINT(google-explicit-constructor)
  const T& operator*() const { return *value_; }
  const T* operator->() const { return value_.get(); }
  const T& get() const { return *value_; }

  // Mutable returns a T no one else sees: the held one when this is its only
  // holder, a private copy otherwise.
  T& Mutable() {
    if (value_.use_count() != 1) value_ = std::make_shared<T>(*value_);
    return *value_;
  }

  // shared hands out the held object for a holder that needs no value
  // semantics (the data plane's compiled actions).
  std::shared_ptr<const T> shared() const { return value_; }

  // use_count is the number of holders of the held object (a cache that
  // finds itself the only one can let the object go).
  long use_count() const { return value_.use_count(); }  // NOLINT(google-runtime-int)

  bool SameObject(const SharedValue& other) const { return value_ == other.value_; }
  bool operator==(const SharedValue& other) const {
    return value_ == other.value_ || *value_ == *other.value_;
  }
  bool operator==(const T& other) const { return *value_ == other; }

 private:
  // Never modified through a pointer that another holder shares (Mutable
  // copies first); non-const only so that Mutable can edit a sole copy.
  std::shared_ptr<T> value_;
};

}  // namespace atrium
