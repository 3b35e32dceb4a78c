// A value or an error, in the spirit of std::expected (C++23), for the remote
// protocol layers: parse functions return Expected<T, RspPacketError>, target
// operations return RspResult<T> (rsp_target.h).
#pragma once

#include <utility>
#include <variant>

namespace ebb::rsp {

// The value of an operation that succeeded without producing anything.
struct Done {};

template <typename T, typename E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Expected(E error) : v_(std::in_place_index<1>, std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace ebb::rsp
