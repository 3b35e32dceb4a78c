// Site selection and trampolines over real compiler output: the executable mapping of the libc
// this test runs with, at its real address. Every jump site's trampoline must decode, and each
// copy must do what its original did: same instruction, same absolute targets.
#include <Zydis/Zydis.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "engine/ticks/counter_block.h"
#include "engine/ticks/decode.h"
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

namespace ebb::ticks {
namespace {

// TrampolineMap as it was before it built trampolines again to answer: every trampoline's pc
// map kept, found through std::maps. The reference the map must agree with.
class ReferenceMap {
 public:
  void add(const Trampoline& t) {
    by_start_[t.address.addr()] = &t;
    by_displaced_[t.displaced.start.addr()] = {t.displaced.start.addr() + t.displaced.length,
                                               &t};
  }
  std::optional<TrampolinePc> lookup(uint64_t pc) const {
    auto it = by_start_.upper_bound(pc);
    if (it == by_start_.begin()) return std::nullopt;
    const Trampoline& t = *std::prev(it)->second;
    if (pc >= t.address.addr() + t.code.size()) return std::nullopt;
    const uint64_t offset = pc - t.address.addr();
    auto e = std::upper_bound(
        t.pcs.begin(), t.pcs.end(), offset,
        [](uint64_t o, const Trampoline::PcEntry& p) { return o < p.offset; });
    if (e == t.pcs.begin()) return std::nullopt;
    --e;
    if (offset >= e->offset + e->length) return std::nullopt;
    return e->where;
  }
  bool is_interrupt(uint64_t pc) const {
    auto it = by_start_.upper_bound(pc);
    return it != by_start_.begin() && std::prev(it)->second->interrupt_resume.addr() == pc;
  }
  std::optional<RemoteAddr> copy_of(uint64_t original) const {
    auto it = by_displaced_.upper_bound(original);
    if (it == by_displaced_.begin()) return std::nullopt;
    --it;
    if (original >= it->second.first) return std::nullopt;
    const Trampoline& t = *it->second.second;
    bool branch_seen = false;
    for (const auto& p : t.pcs) {
      const bool branch = p.where.region == TrampolineRegion::kBranch;
      const bool copy = p.where.region == TrampolineRegion::kRelocated || (branch && !branch_seen);
      branch_seen |= branch;
      if (copy && p.where.original.addr() == original) {
        return RemoteAddr(t.address.addr() + p.offset);
      }
    }
    return std::nullopt;
  }

 private:
  std::map<uint64_t, const Trampoline*> by_start_;
  std::map<uint64_t, std::pair<uint64_t, const Trampoline*>> by_displaced_;
};

bool same(const std::optional<TrampolinePc>& a, const std::optional<TrampolinePc>& b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return a->original == b->original && a->region == b->region && a->movable == b->movable &&
         a->rcx_in_slot == b->rcx_in_slot && a->countdown_fix == b->countdown_fix;
}

struct LibcText {
  Mapping m;
  std::span<const uint8_t> code;
  SiteScan scan;
};

std::optional<LibcText> libc_text() {
  LibcText l;
  l.m = find_libc_text();
  if (!l.m.start) return std::nullopt;
  l.code = {reinterpret_cast<const uint8_t*>(l.m.start), l.m.end - l.m.start};
  auto scan = find_tick_sites(l.code, RemoteAddr(l.m.start));
  if (!scan.ok()) return std::nullopt;
  l.scan = std::move(*scan);
  return l;
}

// Each trampoline of `sites`, one build_trampoline at a time, back to back from `region`: how
// the session built them before build_trampolines.
std::vector<Trampoline> one_at_a_time(const LibcText& l, uint64_t region, uint64_t block,
                                      size_t* unplaced) {
  std::vector<Trampoline> out;
  uint64_t cursor = region;
  *unplaced = 0;
  for (const TickSite& site : l.scan.sites) {
    if (site.method != SiteMethod::kJump) continue;
    auto t = build_trampoline(site, l.code, RemoteAddr(l.m.start), RemoteAddr(cursor),
                              RemoteAddr(block));
    if (!t.ok()) {
      EXPECT_EQ(t.error().kind, ErrorKind::kUnsupported) << t.error().message;
      ++*unplaced;
      continue;
    }
    cursor += t->code.size();
    out.push_back(std::move(*t));
  }
  return out;
}

// The session builds a mapping's trampolines in one go: the bytes, the patches and the sites
// left alone must be exactly those of one build_trampoline per site (traces recorded before
// compare their digests), with the per-thread block and with an absolute one.
TEST(TicksLibc, AllTrampolinesAtOnceAreTheSameBytes) {
  auto l = libc_text();
  if (!l) GTEST_SKIP() << "no libc mapping found";
  const uint64_t region = l->m.end + 0x100000;
  for (uint64_t block : {kPerThreadBlock, l->m.end + 0x1000}) {
    size_t unplaced = 0;
    std::vector<Trampoline> each = one_at_a_time(*l, region, block, &unplaced);
    auto set = build_trampolines(l->scan.sites, l->code, RemoteAddr(l->m.start),
                                 RemoteAddr(region), RemoteAddr(block));
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set->unplaced, unplaced);
    ASSERT_EQ(set->patches.size(), each.size());
    EXPECT_EQ(set->map.size(), each.size());
    std::vector<uint8_t> code;
    for (size_t i = 0; i < each.size(); ++i) {
      const Patch& p = set->patches[i];
      ASSERT_EQ(p.address, each[i].patch.address) << i;
      ASSERT_EQ(p.original, each[i].patch.original) << i;
      ASSERT_EQ(p.patched, each[i].patch.patched) << i;
      code.insert(code.end(), each[i].code.begin(), each[i].code.end());
    }
    ASSERT_EQ(set->code.size(), code.size());
    EXPECT_TRUE(set->code == code);
    EXPECT_GT(each.size(), 1000u);
  }
}

// The map keeps no pc map and builds a trampoline again for each question: every pc of every
// trampoline (and the bytes around them), and every byte of the code for copy_of, get the
// answers the kept pc maps gave.
TEST(TicksLibc, TrampolineMapAnswersAsTheKeptPcMapsDid) {
  auto l = libc_text();
  if (!l) GTEST_SKIP() << "no libc mapping found";
  const uint64_t region = l->m.end + 0x100000;
  size_t unplaced = 0;
  const std::vector<Trampoline> each = one_at_a_time(*l, region, kPerThreadBlock, &unplaced);
  ASSERT_FALSE(each.empty());
  ReferenceMap reference;
  TrampolineMap added;  // through add(const Trampoline&)
  for (const Trampoline& t : each) {
    reference.add(t);
    added.add(t);
  }
  auto set = build_trampolines(l->scan.sites, l->code, RemoteAddr(l->m.start),
                               RemoteAddr(region), RemoteAddr(kPerThreadBlock));
  ASSERT_TRUE(set.ok()) << set.error().message;
  const uint64_t end = each.back().address.addr() + each.back().code.size();
  size_t inside = 0, interrupts = 0;
  for (uint64_t pc = region - 16; pc < end + 16; ++pc) {
    const auto want = reference.lookup(pc);
    ASSERT_TRUE(same(set->map.lookup(RemoteAddr(pc)), want)) << std::hex << pc;
    ASSERT_TRUE(same(added.lookup(RemoteAddr(pc)), want)) << std::hex << pc;
    const bool interrupt = reference.is_interrupt(pc);
    ASSERT_EQ(set->map.is_interrupt(RemoteAddr(pc)), interrupt) << std::hex << pc;
    ASSERT_EQ(added.is_interrupt(RemoteAddr(pc)), interrupt) << std::hex << pc;
    inside += want.has_value();
    interrupts += interrupt;
  }
  EXPECT_EQ(inside, end - region);
  EXPECT_EQ(interrupts, each.size());
  size_t copies = 0;
  for (uint64_t a = l->m.start - 16; a < l->m.end + 16; ++a) {
    const auto want = reference.copy_of(a);
    ASSERT_EQ(set->map.copy_of(RemoteAddr(a)), want) << std::hex << a;
    ASSERT_EQ(added.copy_of(RemoteAddr(a)), want) << std::hex << a;
    copies += want.has_value();
  }
  EXPECT_GT(copies * 2, each.size());  // a lone jmp back-edge has no copy
}

// Relocation decodes the displaced instructions without their operands when they have no ModRM
// memory form (detail::Decoder::relocation_info): for every instruction of libc, the fields it
// gives are the full decode's.
TEST(TicksLibc, RelocationDecodeAgreesWithTheFullOne) {
  auto l = libc_text();
  if (!l) GTEST_SKIP() << "no libc mapping found";
  const detail::Decoder decoder;
  size_t decoded = 0, rip_relative = 0;
  for (size_t at = 0; at < l->code.size();) {
    const uint8_t* p = l->code.data() + at;
    const size_t left = l->code.size() - at;
    const uint64_t address = l->m.start + at;
    detail::InsnInfo full, quick;
    ZydisDecodedInstruction full_raw, quick_raw;
    const bool ok = decoder.info(p, left, address, &full, &full_raw);
    ASSERT_EQ(decoder.relocation_info(p, left, address, &quick, &quick_raw), ok)
        << std::hex << address;
    if (!ok) {
      ++at;
      continue;
    }
    ASSERT_EQ(quick.address, full.address);
    ASSERT_EQ(quick.length, full.length) << std::hex << address;
    ASSERT_EQ(quick.flow, full.flow) << std::hex << address;
    ASSERT_EQ(quick.has_target, full.has_target) << std::hex << address;
    ASSERT_EQ(quick.target, full.target) << std::hex << address;
    ASSERT_EQ(quick.rip_relative, full.rip_relative) << std::hex << address;
    ASSERT_EQ(quick.rip_target, full.rip_target) << std::hex << address;
    ASSERT_EQ(detail::jcc_condition(quick_raw), detail::jcc_condition(full_raw));
    ASSERT_EQ(quick_raw.raw.disp.offset, full_raw.raw.disp.offset) << std::hex << address;
    ASSERT_EQ(quick_raw.raw.disp.size, full_raw.raw.disp.size) << std::hex << address;
    ASSERT_EQ(quick_raw.raw.imm[0].offset, full_raw.raw.imm[0].offset) << std::hex << address;
    ++decoded;
    rip_relative += full.rip_relative;
    at += full.length;
  }
  EXPECT_GT(decoded, 100000u);
  EXPECT_GT(rip_relative, 1000u);
}

// `a` is `b` to the byte, and its map gives the same answers around the region at `start`.
void expect_same_set(const TrampolineSet& a, const TrampolineSet& b, uint64_t start) {
  EXPECT_TRUE(a.code == b.code);
  EXPECT_EQ(a.unplaced, b.unplaced);
  EXPECT_TRUE(a.layout == b.layout);
  ASSERT_EQ(a.patches.size(), b.patches.size());
  for (size_t i = 0; i < a.patches.size(); ++i) {
    ASSERT_EQ(a.patches[i].address, b.patches[i].address) << i;
    ASSERT_EQ(a.patches[i].original, b.patches[i].original) << i;
    ASSERT_EQ(a.patches[i].patched, b.patches[i].patched) << i;
  }
  for (uint64_t pc = start - 16; pc < start + b.code.size() + 16; pc += 3) {
    ASSERT_TRUE(same(a.map.lookup(RemoteAddr(pc)), b.map.lookup(RemoteAddr(pc)))) << std::hex << pc;
    ASSERT_EQ(a.map.is_interrupt(RemoteAddr(pc)), b.map.is_interrupt(RemoteAddr(pc)));
  }
  for (const Patch& p : b.patches) {
    for (uint64_t x = p.address.addr(); x < p.address.addr() + 8; ++x) {
      ASSERT_EQ(a.map.copy_of(RemoteAddr(x)), b.map.copy_of(RemoteAddr(x))) << std::hex << x;
    }
  }
}

// Every exec of a multi-process program patches libc again, and the session reuses the
// trampolines built last time (move_trampolines) when the region lies as far from the code: the
// moved set is what build_trampolines gives there, to the byte, and its map gives the same
// answers (libc's bytes taken as mapped 300 MiB further or nearer).
TEST(TicksLibc, MovedTrampolinesAreTheOnesBuiltThere) {
  auto l = libc_text();
  if (!l) GTEST_SKIP() << "no libc mapping found";
  const uint64_t region = l->m.end + 0x100000;
  auto here = build_trampolines(l->scan.sites, l->code, RemoteAddr(l->m.start),
                                RemoteAddr(region), RemoteAddr(kPerThreadBlock));
  ASSERT_TRUE(here.ok()) << here.error().message;
  for (int64_t delta : {int64_t{300} << 20, -(int64_t{300} << 20)}) {
    const uint64_t load = l->m.start + static_cast<uint64_t>(delta);
    const SiteScan there_scan = rebase(l->scan, delta);
    auto there = build_trampolines(there_scan.sites, l->code, RemoteAddr(load),
                                   RemoteAddr(region + static_cast<uint64_t>(delta)),
                                   RemoteAddr(kPerThreadBlock));
    ASSERT_TRUE(there.ok()) << there.error().message;
    expect_same_set(move_trampolines(*here, delta), *there, region + static_cast<uint64_t>(delta));
  }
}

// A set kept on disk (session/scan_store.h) is its code and layout: reassembled, it is the set
// built (libc's); a layout that does not fit is bad input.
TEST(TicksLibc, ReassembledTrampolinesAreTheOnesBuilt) {
  auto l = libc_text();
  if (!l) GTEST_SKIP() << "no libc mapping found";
  const uint64_t region = l->m.end + 0x100000;
  auto built = build_trampolines(l->scan.sites, l->code, RemoteAddr(l->m.start), RemoteAddr(region),
                                 RemoteAddr(kPerThreadBlock));
  ASSERT_TRUE(built.ok()) << built.error().message;
  auto again = reassemble_trampolines(l->scan.sites, l->code, RemoteAddr(l->m.start), RemoteAddr(region),
                                      RemoteAddr(kPerThreadBlock), built->code, built->layout);
  ASSERT_TRUE(again.ok()) << again.error().message;
  expect_same_set(*again, *built, region);
  std::vector<TrampolineLayout> shorter(built->layout.begin(), built->layout.end() - 1);
  auto short_layout = reassemble_trampolines(l->scan.sites, l->code, RemoteAddr(l->m.start), RemoteAddr(region),
                                             RemoteAddr(kPerThreadBlock), built->code, shorter);
  ASSERT_FALSE(short_layout.ok());
  EXPECT_EQ(short_layout.error().kind, ErrorKind::kBadInput);
  std::vector<TrampolineLayout> shifted = built->layout;
  shifted[1].offset += 1;
  auto out_of_place = reassemble_trampolines(l->scan.sites, l->code, RemoteAddr(l->m.start), RemoteAddr(region),
                                             RemoteAddr(kPerThreadBlock), built->code, shifted);
  ASSERT_FALSE(out_of_place.ok());
  EXPECT_EQ(out_of_place.error().kind, ErrorKind::kBadInput);
}

}  // namespace
}  // namespace ebb::ticks
