// A stand-in for tracee memory: a local buffer at a fixed fake address, read
// through the same ReadMem callback the recorder passes to the table.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <vector>

#include "engine/syscalls/table.h"

namespace ebb::syscalls::testing {

class FakeMemory {
 public:
  static constexpr uint64_t kBase = 0x7f0000000000;
  static constexpr uint64_t kSize = 1 << 16;

  FakeMemory() : bytes_(kSize) {}

  // An address `offset` bytes into the buffer.
  static uint64_t at(uint64_t offset) { return kBase + offset; }

  template <typename T>
  void put(uint64_t addr, const T& value) {
    (void)bytes_.at(addr - kBase + sizeof value - 1);  // throws when out of range
    std::memcpy(&bytes_.at(addr - kBase), &value, sizeof value);
  }

  ReadMem reader() {
    return [this](uint64_t addr, void* buf, size_t len) {
      if (addr < kBase || addr - kBase + len > kSize) return false;
      ++reads_;
      std::memcpy(buf, &bytes_[addr - kBase], len);
      return true;
    };
  }

  int reads() const { return reads_; }

 private:
  std::vector<unsigned char> bytes_;
  int reads_ = 0;
};

inline SyscallCall make_call(int64_t nr, std::array<uint64_t, 6> args, int64_t result = 0) {
  SyscallCall call{nr, args, result};
  return call;
}

// A ReadMem for calls whose ranges need no tracee memory: any read fails.
inline ReadMem no_memory() {
  return [](uint64_t, void*, size_t) { return false; };
}

}  // namespace ebb::syscalls::testing

namespace ebb::syscalls {
// Readable MemRange values in GoogleTest failure messages.
inline void PrintTo(const MemRange& r, std::ostream* os) {
  *os << "{0x" << std::hex << r.addr << ", " << std::dec << r.len << "}";
}
}  // namespace ebb::syscalls
