// Helpers for the engine/ticks unit tests: hand-written code at a chosen address.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "engine/ticks/sites.h"

namespace ebb::ticks::testing {

inline constexpr uint64_t kBase = 0x400000;

inline std::vector<uint8_t> bytes(std::initializer_list<int> b) {
  return std::vector<uint8_t>(b.begin(), b.end());
}

// A recursive function at kBase, 0x1b bytes: its entry the target of its own backward call at
// 0xd, a conditional branch forward to `zero` at 0x17.
inline std::vector<uint8_t> recursive_sum() {
  return bytes({
      0x53,                          // 0: sum: push rbx
      0x48, 0x89, 0xfb,              // 1: mov rbx, rdi
      0x48, 0x85, 0xff,              // 4: test rdi, rdi
      0x74, 0x0e,                    // 7: je zero
      0x48, 0x8d, 0x7f, 0xff,        // 9: lea rdi, [rdi-1]
      0xe8, 0xee, 0xff, 0xff, 0xff,  // d: call sum
      0x48, 0x01, 0xd8,              // 12: add rax, rbx
      0x5b, 0xc3,                    // 15: pop rbx; ret
      0x31, 0xc0, 0x5b, 0xc3,        // 17: zero: xor eax, eax; pop rbx; ret
  });
}

inline SiteScan scan(const std::vector<uint8_t>& code, uint64_t base = kBase) {
  auto s = find_tick_sites(code, RemoteAddr(base));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : SiteScan{};
}

// The site at `address`; a test failure (and an empty site) when there is none.
inline TickSite site_at(const SiteScan& s, uint64_t address) {
  for (const TickSite& t : s.sites) {
    if (t.address.addr() == address) return t;
  }
  ADD_FAILURE() << "no tick site at " << std::hex << address;
  return TickSite{};
}

}  // namespace ebb::ticks::testing
