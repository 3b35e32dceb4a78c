// A typed address in a tracee's address space. Never dereferenced here.
#pragma once

#include <cstdint>

namespace ebb {

template <typename T>
class RemotePtr {
 public:
  constexpr RemotePtr() = default;
  constexpr explicit RemotePtr(uint64_t addr) : addr_(addr) {}
  constexpr uint64_t addr() const { return addr_; }
  constexpr bool is_null() const { return addr_ == 0; }
  template <typename U>
  constexpr RemotePtr<U> cast() const { return RemotePtr<U>(addr_); }
  constexpr RemotePtr operator+(uint64_t bytes) const { return RemotePtr(addr_ + bytes); }
  constexpr bool operator==(const RemotePtr&) const = default;

 private:
  uint64_t addr_ = 0;
};

using RemoteAddr = RemotePtr<void>;

}  // namespace ebb
