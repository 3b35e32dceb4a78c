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
