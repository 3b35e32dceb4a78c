// FNV-1a, 64 bits: a fast, non-cryptographic hash for checks and cache keys
// (never for anything an adversary could choose to collide).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ebb {

class Fnv64 {
 public:
  void add(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) h_ = (h_ ^ p[i]) * 1099511628211ull;
  }
  void add(uint64_t v) { add(&v, sizeof v); }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 14695981039346656037ull;
};

}  // namespace ebb
