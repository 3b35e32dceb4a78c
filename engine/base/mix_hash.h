// A word-at-a-time multiply-xorshift hash, 64 bits: fast (8 bytes a step, where FNV-1a goes a
// byte at a time), for checks and cache keys (never for anything an adversary could choose to
// collide). Its values are stored on disk: in the scan cache's entries (engine/ticks/
// scan_cache.h: a change makes every entry a miss) and in traces (the soft clock's patch digests
// and memory digests: a change makes replay of older traces diverge).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ebb {

// A word-at-a-time multiply-xorshift: each 64-bit word is mixed into the state by a multiply
// (carries spread low bits up) and a shift-xor (high bits back down); the tail goes in as one
// word with the length.
class MixHash {
 public:
  void add(uint64_t w) {
    h_ = (h_ ^ w) * 0x9fb21c651e98df25ull;
    h_ ^= h_ >> 29;
    ++words_;
  }
  void add(std::span<const uint8_t> bytes) {
    size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, bytes.data() + i, 8);
      add(w);
    }
    uint64_t tail = 0;
    if (i < bytes.size()) std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
    add(tail ^ (uint64_t{bytes.size()} << 56) ^ bytes.size());
  }
  uint64_t value() const {  // murmur3's finaliser over the state and the word count
    uint64_t h = h_ ^ (words_ * 0xc2b2ae3d27d4eb4full);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }

 private:
  uint64_t h_ = 0x243f6a8885a308d3ull;
  uint64_t words_ = 0;
};

// MixHash in four lanes, 32 bytes a step (the lanes' multiplies overlap), then the tail and the
// lanes' values through one more: another function of the bytes than MixHash's, as fast.
inline uint64_t mix_hash_lanes(std::span<const uint8_t> bytes) {
  MixHash lanes[4];
  const size_t n = bytes.size();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    std::memcpy(w, bytes.data() + i, sizeof w);
    for (int k = 0; k < 4; ++k) lanes[k].add(w[k]);
  }
  MixHash h;
  h.add(bytes.subspan(i));
  for (const MixHash& lane : lanes) h.add(lane.value());
  return h.value();
}

}  // namespace ebb
