// Site selection and trampolines over real compiler output: the executable mapping of the libc
// this test runs with, at its real address. Every jump site's trampoline must decode, and each
// copy must do what its original did: same instruction, same absolute targets.
#include <Zydis/Zydis.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/ticks/sites.h"
#include "engine/ticks/trampoline.h"

namespace ebb::ticks {
namespace {

struct Mapping {
  uint64_t start = 0, end = 0;
};

// The first r-xp mapping of libc in this process.
Mapping find_libc_text() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("r-xp") == std::string::npos || line.find("/libc.so") == std::string::npos) {
      continue;
    }
    Mapping m;
    if (sscanf(line.c_str(), "%lx-%lx", &m.start, &m.end) == 2) return m;
  }
  return {};
}

class Checker {
 public:
  Checker(std::span<const uint8_t> code, uint64_t base) : code_(code), base_(base) {
    ZydisDecoderInit(&decoder_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  }

  // The absolute targets an instruction names: its relative branch and rip-relative operands.
  std::vector<uint64_t> targets(const uint8_t* bytes, size_t size, uint64_t address,
                                ZydisMnemonic* mnemonic) {
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    std::vector<uint64_t> out;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder_, bytes, size, &insn, ops))) {
      ADD_FAILURE() << "undecodable at " << std::hex << address;
      return out;
    }
    *mnemonic = insn.mnemonic;
    for (int i = 0; i < insn.operand_count_visible; ++i) {
      bool relative = (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && ops[i].imm.is_relative) ||
                      (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
                       ops[i].mem.base == ZYDIS_REGISTER_RIP);
      ZyanU64 a = 0;
      if (relative && ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&insn, &ops[i], address, &a))) {
        out.push_back(a);
      }
    }
    return out;
  }

  void check(const TickSite& site, const Trampoline& t) {
    TrampolineMap map;
    map.add(t);
    bool branch_seen = false;
    for (const auto& p : t.pcs) {
      const uint8_t* copy = t.code.data() + p.offset;
      const uint64_t copy_at = t.address.addr() + p.offset;
      ZydisMnemonic copy_mnemonic = ZYDIS_MNEMONIC_INVALID;
      std::vector<uint64_t> copy_targets = targets(copy, p.length, copy_at, &copy_mnemonic);
      const uint64_t original = p.where.original.addr();
      if (p.where.region == TrampolineRegion::kExit) {
        EXPECT_EQ(copy_targets, std::vector<uint64_t>{original}) << std::hex << copy_at;
        continue;
      }
      const uint64_t patch_end = site.patch_start.addr() + site.patch_length;
      if (p.where.region == TrampolineRegion::kBranch && !branch_seen) {
        branch_seen = true;
        EXPECT_EQ(map.copy_of(site.address), RemoteAddr(copy_at));
      }
      if (p.where.region != TrampolineRegion::kRelocated) continue;
      EXPECT_TRUE(original >= site.patch_start.addr() && original < patch_end)
          << std::hex << original;
      EXPECT_EQ(map.copy_of(p.where.original), RemoteAddr(copy_at)) << std::hex << original;
      ZydisMnemonic mnemonic = ZYDIS_MNEMONIC_INVALID;
      const size_t offset = original - base_;
      std::vector<uint64_t> original_targets =
          targets(code_.data() + offset, code_.size() - offset, original, &mnemonic);
      EXPECT_EQ(copy_mnemonic, mnemonic) << std::hex << original;
      EXPECT_EQ(copy_targets, original_targets) << std::hex << original;
      ++copies_;
    }
  }

  size_t copies() const { return copies_; }

 private:
  std::span<const uint8_t> code_;
  uint64_t base_;
  ZydisDecoder decoder_;
  size_t copies_ = 0;
};

TEST(TicksLibc, EveryJumpSiteRelocatesFaithfully) {
  Mapping m = find_libc_text();
  if (!m.start) GTEST_SKIP() << "no libc mapping found";
  std::span<const uint8_t> code(reinterpret_cast<const uint8_t*>(m.start), m.end - m.start);
  auto scan = find_tick_sites(code, RemoteAddr(m.start));
  ASSERT_TRUE(scan.ok());
  ASSERT_GT(scan->sites.size(), 1000u);
  // Trampolines after the mapping (nothing is written: they are only built and decoded).
  uint64_t cursor = m.end + 0x100000;
  const RemoteAddr block(m.end + 0x1000);
  Checker checker(code, m.start);
  size_t jumps = 0;
  for (const TickSite& site : scan->sites) {
    if (site.method != SiteMethod::kJump) continue;
    ++jumps;
    auto t = build_trampoline(site, code, RemoteAddr(m.start), RemoteAddr(cursor), block);
    ASSERT_TRUE(t.ok()) << t.error().message;
    checker.check(site, *t);
    cursor += t->code.size();
    if (::testing::Test::HasFailure()) return;
  }
  // Most sites take a jump (about 90% on Debian 12's libc).
  EXPECT_GT(jumps * 10, scan->sites.size() * 7);
  EXPECT_GT(checker.copies(), 1000u);  // copies other than the sites' own branches
}

}  // namespace
}  // namespace ebb::ticks

namespace ebb::ticks {
namespace {

// The session caches scans by content and moves them where the same bytes are mapped again
// (every exec maps libc somewhere else): that is only right if a scan depends on distances,
// never on addresses. libc's text scanned at its address and 300 MiB further must agree.
TEST(TicksLibc, ScanMovesWithTheBytes) {
  Mapping m = find_libc_text();
  if (!m.start) GTEST_SKIP() << "no libc mapping found";
  std::span<const uint8_t> code(reinterpret_cast<const uint8_t*>(m.start), m.end - m.start);
  constexpr int64_t kDelta = 300 << 20;
  auto here = find_tick_sites(code, RemoteAddr(m.start));
  auto there = find_tick_sites(code, RemoteAddr(m.start + kDelta));
  ASSERT_TRUE(here.ok() && there.ok());
  SiteScan moved = rebase(*here, kDelta);
  ASSERT_EQ(moved.sites.size(), there->sites.size());
  ASSERT_GT(moved.sites.size(), 1000u);
  for (size_t i = 0; i < moved.sites.size(); ++i) {
    const TickSite& a = moved.sites[i];
    const TickSite& b = there->sites[i];
    ASSERT_EQ(a.address, b.address) << i;
    EXPECT_EQ(a.kind, b.kind) << i;
    EXPECT_EQ(a.method, b.method) << i;
    EXPECT_EQ(a.trap_reason, b.trap_reason) << i;
    EXPECT_EQ(a.target, b.target) << i;
    EXPECT_EQ(a.length, b.length) << i;
    EXPECT_EQ(a.patch_start, b.patch_start) << i;
    EXPECT_EQ(a.patch_length, b.patch_length) << i;
  }
  EXPECT_EQ(moved.undecodable, there->undecodable);
  EXPECT_EQ(moved.unpatchable, there->unpatchable);
  EXPECT_EQ(moved.instructions, there->instructions);
}

}  // namespace
}  // namespace ebb::ticks
