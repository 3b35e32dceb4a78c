// Trampolines built for hand-written sites, checked by decoding them with Zydis.
#include <Zydis/Zydis.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "engine/ticks/counter_block.h"
#include "engine/ticks/trampoline.h"
#include "tests/unit/ticks/ticks_test_util.h"

namespace ebb::ticks {
namespace {

using testing::bytes;
using testing::kBase;
using testing::scan;
using testing::site_at;

constexpr uint64_t kTrampolines = kBase + 0x10000;
constexpr uint64_t kBlock = kBase + 0x20000;

struct Decoded {
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  uint64_t address;
};

Decoded decode_at(const Trampoline& t, uint32_t offset) {
  ZydisDecoder d;
  ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  Decoded out{};
  out.address = t.address.addr() + offset;
  EXPECT_TRUE(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d, t.code.data() + offset,
                                                  t.code.size() - offset, &out.insn, out.ops)))
      << "offset " << offset;
  return out;
}

// The absolute address named by operand `i` (a branch target or a memory operand).
uint64_t absolute(const Decoded& d, int i = 0) {
  ZyanU64 result = 0;
  EXPECT_TRUE(ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&d.insn, &d.ops[i], d.address, &result)));
  return result;
}

Trampoline build(const std::vector<uint8_t>& code, uint64_t site, uint64_t at = kTrampolines,
                 uint64_t block = kBlock) {
  TickSite s = site_at(scan(code), site);
  EXPECT_EQ(s.method, SiteMethod::kJump);
  auto t = build_trampoline(s, code, RemoteAddr(kBase), RemoteAddr(at), RemoteAddr(block));
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return t.ok() ? *t : Trampoline{};
}

std::vector<Trampoline::PcEntry> in_region(const Trampoline& t, TrampolineRegion r) {
  std::vector<Trampoline::PcEntry> out;
  for (const auto& p : t.pcs) {
    if (p.where.region == r) out.push_back(p);
  }
  return out;
}

const std::vector<uint8_t> kLoop = bytes({
    0x31, 0xc0,                    // 0: xor eax, eax
    0xbf, 0x0a, 0x00, 0x00, 0x00,  // 2: mov edi, 10
    0x48, 0x01, 0xf8,              // 7: L: add rax, rdi
    0x48, 0xff, 0xcf,              // a: dec rdi
    0x75, 0xf8,                    // d: jne L
    0xc3,                          // f: ret
});

// The same loop with the status flags live at L (lea writes none, dec not CF, and jne reads
// them): the tick keeps them (the long form, trampoline.h).
const std::vector<uint8_t> kLoopLiveFlags = bytes({
    0x31, 0xc0,                    // 0: xor eax, eax
    0xbf, 0x0a, 0x00, 0x00, 0x00,  // 2: mov edi, 10
    0x48, 0x8d, 0x04, 0x38,        // 7: L: lea rax, [rax + rdi]
    0x48, 0xff, 0xcf,              // b: dec rdi
    0x75, 0xf7,                    // e: jne L
    0xc3,                          // 10: ret
});

TEST(Trampoline, BackEdgeLayoutAndPcMap) {
  Trampoline t = build(kLoopLiveFlags, kBase + 0xe);
  ASSERT_FALSE(t.code.empty());
  EXPECT_LE(t.code.size(), kMaxTrampolineSize);
  // The patch: jmp rel32 from the displaced instructions to the trampoline's start.
  EXPECT_EQ(t.patch.address.addr(), kBase + 0xb);
  EXPECT_EQ(std::vector<uint8_t>(t.patch.original.begin(), t.patch.original.end()),
            std::vector<uint8_t>(kLoopLiveFlags.begin() + 0xb, kLoopLiveFlags.begin() + 0x10));
  ASSERT_EQ(t.patch.patched.size(), 5u);
  EXPECT_EQ(t.patch.patched[0], 0xe9);
  int32_t rel;
  std::memcpy(&rel, &t.patch.patched[1], 4);
  EXPECT_EQ(kBase + 0x10 + rel, kTrampolines);

  // Every instruction decodes, and the pc entries tile the code.
  uint32_t offset = 0;
  for (const auto& p : t.pcs) {
    EXPECT_EQ(p.offset, offset);
    EXPECT_EQ(decode_at(t, p.offset).insn.length, p.length);
    offset += p.length;
  }
  EXPECT_EQ(offset, t.code.size());

  TrampolineMap map;
  map.add(t);
  auto first = map.lookup(t.address);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->original.addr(), kBase + 0xb);  // the dec copy: movable, it is the patch start
  EXPECT_TRUE(first->movable);
  EXPECT_FALSE(map.lookup(RemoteAddr(kTrampolines - 1)));
  EXPECT_FALSE(map.lookup(RemoteAddr(kTrampolines + t.code.size())));

  auto reloc = in_region(t, TrampolineRegion::kRelocated);
  ASSERT_EQ(reloc.size(), 1u);  // dec
  auto branch = in_region(t, TrampolineRegion::kBranch);
  ASSERT_EQ(branch.size(), 1u);
  EXPECT_EQ(branch[0].where.original.addr(), kBase + 0xe);  // jne: its bytes lie under the jmp
  EXPECT_FALSE(branch[0].where.movable);
  Decoded jcc = decode_at(t, branch[0].offset);
  EXPECT_EQ(jcc.insn.mnemonic, ZYDIS_MNEMONIC_JZ);  // inverted: the taken path runs on
  EXPECT_EQ(jcc.insn.length, 6);  // widened to rel32
  // Breakpoints on displaced instructions go to their copies.
  EXPECT_EQ(map.copy_of(RemoteAddr(kBase + 0xb)), RemoteAddr(kTrampolines + reloc[0].offset));
  EXPECT_EQ(map.copy_of(RemoteAddr(kBase + 0xe)), RemoteAddr(kTrampolines + branch[0].offset));
  EXPECT_FALSE(map.copy_of(RemoteAddr(kBase + 0x7)));  // not displaced
  EXPECT_FALSE(map.copy_of(RemoteAddr(kBase + 0xc)));  // inside an instruction

  auto exits = in_region(t, TrampolineRegion::kExit);
  ASSERT_EQ(exits.size(), 2u);
  EXPECT_EQ(exits[0].where.original.addr(), kBase + 0x7);  // taken, counted: to L
  EXPECT_EQ(absolute(decode_at(t, exits[0].offset)), kBase + 0x7);
  EXPECT_EQ(exits[1].where.original.addr(), kBase + 0x10);  // not taken: after the range
  EXPECT_EQ(absolute(decode_at(t, exits[1].offset)), kBase + 0x10);
  EXPECT_EQ(absolute(jcc), kTrampolines + exits[1].offset);  // je: to the way out

  auto counting = in_region(t, TrampolineRegion::kCounting);
  ASSERT_EQ(counting.size(), 6u);
  EXPECT_EQ(counting[0].offset, branch[0].offset + 6);  // jne taken: falls into the tick
  for (size_t i = 0; i < counting.size(); ++i) {
    EXPECT_EQ(counting[i].where.original.addr(), kBase + 0x7);
    EXPECT_TRUE(counting[i].where.movable);
    EXPECT_EQ(counting[i].where.rcx_in_slot, i != 0) << i;
    EXPECT_EQ(counting[i].where.countdown_fix, i < 4 ? -1 : 0) << i;
  }
  auto interrupt = in_region(t, TrampolineRegion::kInterrupt);
  ASSERT_EQ(interrupt.size(), 3u);
  EXPECT_EQ(decode_at(t, interrupt[1].offset).insn.mnemonic, ZYDIS_MNEMONIC_INT3);
  EXPECT_EQ(t.interrupt_resume.addr(), kTrampolines + interrupt[2].offset);
  EXPECT_TRUE(map.is_interrupt(t.interrupt_resume));
  EXPECT_FALSE(map.is_interrupt(RemoteAddr(t.interrupt_resume.addr() - 1)));
  EXPECT_EQ(map.lookup(t.interrupt_resume)->original.addr(), kBase + 0x7);
}

TEST(Trampoline, TickTouchesNoFlagsAndAddressesTheCounterBlock) {
  ASSERT_FALSE(site_at(scan(kLoopLiveFlags), kBase + 0xe).flags_dead);
  Trampoline t = build(kLoopLiveFlags, kBase + 0xe);
  std::vector<uint64_t> memory;
  for (TrampolineRegion r : {TrampolineRegion::kCounting, TrampolineRegion::kInterrupt}) {
    for (const auto& p : in_region(t, r)) {
      Decoded d = decode_at(t, p.offset);
      if (d.insn.mnemonic == ZYDIS_MNEMONIC_INT3) continue;  // the trap itself
      ASSERT_TRUE(d.insn.cpu_flags);
      EXPECT_EQ(d.insn.cpu_flags->modified | d.insn.cpu_flags->set_0 | d.insn.cpu_flags->set_1 |
                    d.insn.cpu_flags->undefined,
                0u)
          << "offset " << p.offset;
      for (int i = 0; i < d.insn.operand_count_visible; ++i) {
        if (d.ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
            d.ops[i].mem.type == ZYDIS_MEMOP_TYPE_MEM) {
          memory.push_back(absolute(d, i));
        }
      }
    }
  }
  // save, load countdown, store countdown, restore; the interrupt's restore.
  EXPECT_EQ(memory, (std::vector<uint64_t>{kBlock + kSavedRcxOffset, kBlock + kCountdownOffset,
                                           kBlock + kCountdownOffset, kBlock + kSavedRcxOffset,
                                           kBlock + kSavedRcxOffset}));
}

// Where the flags are dead (kLoop's L: add writes all six), the tick is `sub [countdown], 1;
// je interrupt`, and the interrupt has no rcx to restore.
TEST(Trampoline, DeadFlagsTickSubtractsInPlace) {
  ASSERT_TRUE(site_at(scan(kLoop), kBase + 0xd).flags_dead);
  Trampoline t = build(kLoop, kBase + 0xd);
  auto counting = in_region(t, TrampolineRegion::kCounting);
  ASSERT_EQ(counting.size(), 2u);
  Decoded sub = decode_at(t, counting[0].offset);
  EXPECT_EQ(sub.insn.mnemonic, ZYDIS_MNEMONIC_SUB);
  EXPECT_EQ(absolute(sub, 0), kBlock + kCountdownOffset);
  EXPECT_EQ(decode_at(t, counting[1].offset).insn.mnemonic, ZYDIS_MNEMONIC_JZ);
  for (const auto& p : counting) {
    EXPECT_FALSE(p.where.rcx_in_slot);
    EXPECT_EQ(p.where.original.addr(), kBase + 0x7);
  }
  EXPECT_EQ(counting[0].where.countdown_fix, -1);  // the taken path's tick is still to come
  EXPECT_EQ(counting[1].where.countdown_fix, 0);
  auto interrupt = in_region(t, TrampolineRegion::kInterrupt);
  ASSERT_FALSE(interrupt.empty());
  EXPECT_EQ(decode_at(t, interrupt[0].offset).insn.mnemonic, ZYDIS_MNEMONIC_INT3);
  // Flags read at the target, or a shift (which may write none) before they are all written:
  // live.
  auto pushf_at_target = bytes({0x9c, 0x5a, 0xff, 0xcf, 0x75, 0xfa, 0xc3});  // L: pushfq; pop rdx; dec edi; jne L
  EXPECT_FALSE(site_at(scan(pushf_at_target), kBase + 4).flags_dead);
  auto shift_first = bytes({0x48, 0xd3, 0xe0, 0x48, 0x01, 0xf8, 0xff, 0xcf, 0x75, 0xf6, 0xc3});
  // L: shl rax, cl; add rax, rdi; dec edi; jne L: add writes all six after the shift
  EXPECT_TRUE(site_at(scan(shift_first), kBase + 8).flags_dead);
  auto adc_first = bytes({0x48, 0x11, 0xf8, 0x48, 0x01, 0xf8, 0xff, 0xcf, 0x75, 0xf6, 0xc3});
  // L: adc rax, rdi (reads CF); add; dec; jne L
  EXPECT_FALSE(site_at(scan(adc_first), kBase + 8).flags_dead);
  // L: xor eax, eax (AF undefined: written, decode.h); pushfq; pop rdx; dec; jne L: dead
  auto xor_then_pushf = bytes({0x31, 0xc0, 0x9c, 0x5a, 0xff, 0xcf, 0x75, 0xf8, 0xc3});
  EXPECT_TRUE(site_at(scan(xor_then_pushf), kBase + 6).flags_dead);
  // L: mul ecx (ZF undefined: not written); pushfq; pop rdx; dec; jne L: live
  auto mul_then_pushf = bytes({0xf7, 0xe1, 0x9c, 0x5a, 0xff, 0xcf, 0x75, 0xf8, 0xc3});
  EXPECT_FALSE(site_at(scan(mul_then_pushf), kBase + 6).flags_dead);
  // L: xor eax, eax (CF, and all but AF); dec edi (AF too); jne L: dead
  auto xor_dec = bytes({0x31, 0xc0, 0xff, 0xcf, 0x75, 0xfa, 0xc3});
  EXPECT_TRUE(site_at(scan(xor_dec), kBase + 4).flags_dead);
  // f: mov eax, 10; syscall (which saves the flags in r11 before it changes them): live
  auto syscall_entry = bytes({0xe8, 0x01, 0x00, 0x00, 0x00, 0xc3, 0xb8, 0x0a, 0x00, 0x00, 0x00, 0x0f, 0x05,
                              0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, 0xc3});
  EXPECT_EQ(site_at(scan(syscall_entry), kBase + 6).kind, SiteKind::kEntry);
  EXPECT_FALSE(site_at(scan(syscall_entry), kBase + 6).flags_dead);
}

TEST(Trampoline, RipRelativeOperandKeepsItsAbsoluteTarget) {
  auto code = bytes({
      0xe8, 0x0b, 0x00, 0x00, 0x00,              // 0: call f
      0xc3,                                      // 5: ret
      0xcc, 0xcc, 0xcc, 0xcc, 0xcc,              // 6: padding
      0xcc, 0xcc, 0xcc, 0xcc, 0xcc,              //
      0x48, 0x8b, 0x05, 0xf9, 0x0f, 0x00, 0x00,  // 10: f: mov rax, [rip+0xff9] = [0x1010]
      0x48, 0xff, 0xc0,                          // 17: inc rax
      0xc3,                                      // 1a: ret
  });
  // Near the code and 768 MiB away: the disp32 changes, the absolute address does not.
  for (uint64_t at : {kTrampolines, kBase + (uint64_t{768} << 20)}) {
    Trampoline t = build(code, kBase + 0x10, at);
    auto reloc = in_region(t, TrampolineRegion::kRelocated);
    ASSERT_EQ(reloc.size(), 1u);
    EXPECT_EQ(reloc[0].where.original.addr(), kBase + 0x10);
    EXPECT_TRUE(reloc[0].where.movable);
    EXPECT_EQ(reloc[0].where.countdown_fix, +1);  // moving back to f counts f's tick again
    Decoded mov = decode_at(t, reloc[0].offset);
    EXPECT_EQ(mov.insn.mnemonic, ZYDIS_MNEMONIC_MOV);
    EXPECT_EQ(mov.ops[1].mem.base, ZYDIS_REGISTER_RIP);
    EXPECT_EQ(absolute(mov, 1), kBase + 0x1010);
    if (at != kTrampolines) {
      EXPECT_NE(mov.ops[1].mem.disp.value, 0xff9);
    }
  }
}

TEST(Trampoline, ShortBranchesAreWidened) {
  auto code = bytes({
      0x48, 0xff, 0xc0,  // 0: L: inc rax
      0x48, 0x85, 0xc0,  // 3: test rax, rax
      0x74, 0x06,        // 6: je e
      0x89, 0xc1,        // 8: mov ecx, eax
      0x75, 0xf4,        // a: jne L
      0xc3, 0xc3, 0xc3,  // c: ret; ret; e: ret
  });
  Trampoline t = build(code, kBase + 0xa);
  auto reloc = in_region(t, TrampolineRegion::kRelocated);
  ASSERT_EQ(reloc.size(), 2u);  // je, mov (then jne, the site's branch)
  Decoded je = decode_at(t, reloc[0].offset);
  EXPECT_EQ(je.insn.mnemonic, ZYDIS_MNEMONIC_JZ);
  EXPECT_EQ(je.insn.length, 6);
  EXPECT_EQ(absolute(je), kBase + 0xe);
  EXPECT_EQ(reloc[0].where.original.addr(), kBase + 0x6);
  EXPECT_TRUE(reloc[0].where.movable);
  EXPECT_EQ(reloc[1].where.original.addr(), kBase + 0x8);
  EXPECT_FALSE(reloc[1].where.movable);
}

TEST(Trampoline, EntrySiteCountsBeforeTheCopies) {
  const std::vector<uint8_t> code = testing::recursive_sum();
  Trampoline t = build(code, kBase);
  int32_t rel;
  std::memcpy(&rel, &t.patch.patched[1], 4);
  const uint64_t entry = kBase + 5 + rel;
  EXPECT_EQ(jump_patch_target(t.patch), entry);
  TrampolineMap map;
  map.add(t);
  auto at_entry = map.lookup(RemoteAddr(entry));
  ASSERT_TRUE(at_entry);
  EXPECT_EQ(at_entry->region, TrampolineRegion::kCounting);
  EXPECT_EQ(at_entry->original.addr(), kBase);
  EXPECT_EQ(at_entry->countdown_fix, 0);
  auto counting = in_region(t, TrampolineRegion::kCounting);
  // A call target: the ABI leaves the flags undefined there (test and je neither read nor leak
  // them), so the short tick.
  ASSERT_EQ(counting.size(), 2u);
  EXPECT_EQ(counting[1].where.countdown_fix, +1);
  auto reloc = in_region(t, TrampolineRegion::kRelocated);
  ASSERT_EQ(reloc.size(), 3u);  // push, mov, test
  EXPECT_EQ(reloc[2].where.original.addr(), kBase + 4);
  EXPECT_FALSE(reloc[2].where.movable);
  auto exits = in_region(t, TrampolineRegion::kExit);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(absolute(decode_at(t, exits[0].offset)), kBase + 7);
  EXPECT_TRUE(map.is_interrupt(t.interrupt_resume));
  EXPECT_EQ(map.lookup(t.interrupt_resume)->countdown_fix, +1);
}

TEST(Trampoline, CounterBlockBelow2GiBIsAddressedAbsolutely) {
  constexpr uint64_t kFarBase = 0x7f0000000000;
  TickSite s = site_at(scan(kLoop, kFarBase), kFarBase + 0xd);
  auto t = build_trampoline(s, kLoop, RemoteAddr(kFarBase), RemoteAddr(kFarBase + 0x10000),
                            RemoteAddr(0x20000000));
  ASSERT_TRUE(t.ok()) << t.error().message;
  auto counting = in_region(*t, TrampolineRegion::kCounting);
  Decoded sub = decode_at(*t, counting[0].offset);  // kLoop's flags are dead: the short tick
  EXPECT_EQ(sub.ops[0].mem.base, ZYDIS_REGISTER_NONE);
  EXPECT_EQ(absolute(sub, 0), 0x20000000u + kCountdownOffset);
  TickSite live = site_at(scan(kLoopLiveFlags, kFarBase), kFarBase + 0xe);
  auto long_form = build_trampoline(live, kLoopLiveFlags, RemoteAddr(kFarBase), RemoteAddr(kFarBase + 0x10000),
                                    RemoteAddr(0x20000000));
  ASSERT_TRUE(long_form.ok()) << long_form.error().message;
  Decoded save = decode_at(*long_form, in_region(*long_form, TrampolineRegion::kCounting)[0].offset);
  EXPECT_EQ(save.ops[0].mem.base, ZYDIS_REGISTER_NONE);
  EXPECT_EQ(absolute(save, 0), 0x20000000u + kSavedRcxOffset);

  auto unreachable = build_trampoline(s, kLoop, RemoteAddr(kFarBase),
                                      RemoteAddr(kFarBase + 0x10000), RemoteAddr(0x100000000000));
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().kind, ErrorKind::kUnsupported);
}

TEST(Trampoline, TrampolineOutOfReachOfItsSite) {
  TickSite s = site_at(scan(kLoop), kBase + 0xd);
  auto t = build_trampoline(s, kLoop, RemoteAddr(kBase), RemoteAddr(kBase + (uint64_t{3} << 30)),
                            RemoteAddr(kBlock));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::kUnsupported);
}

TEST(Trampoline, StaleBytesAreBadInput) {
  TickSite s = site_at(scan(kLoop), kBase + 0xd);
  std::vector<uint8_t> changed = kLoop;
  changed[0xa] = 0x06;  // no longer an instruction
  auto t = build_trampoline(s, changed, RemoteAddr(kBase), RemoteAddr(kTrampolines),
                            RemoteAddr(kBlock));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::kBadInput);
}

TEST(Trampoline, HidePatchesShowsOriginalBytes) {
  TickSite jump_site = site_at(scan(kLoop), kBase + 0xd);
  Trampoline t = build(kLoop, kBase + 0xd);
  TickSite trap_site = jump_site;
  trap_site.address = RemoteAddr(kBase + 0x2);  // any instruction start serves here
  auto trap = trap_patch(trap_site, kLoop, RemoteAddr(kBase));
  ASSERT_TRUE(trap.ok());
  EXPECT_EQ(std::vector<uint8_t>(trap->original.begin(), trap->original.end()), std::vector<uint8_t>{0xbf});
  EXPECT_EQ(std::vector<uint8_t>(trap->patched.begin(), trap->patched.end()), std::vector<uint8_t>{0xcc});
  std::vector<Patch> patches = {*trap, t.patch};

  std::vector<uint8_t> memory = kLoop;
  for (const Patch& p : patches) {
    std::copy(p.patched.begin(), p.patched.end(), memory.begin() + (p.address.addr() - kBase));
  }
  EXPECT_NE(memory, kLoop);
  std::vector<uint8_t> view = memory;
  hide_patches(view, RemoteAddr(kBase), patches);
  EXPECT_EQ(view, kLoop);
  // A read that starts inside the jmp patch.
  std::vector<uint8_t> tail(memory.begin() + 0xc, memory.end());
  hide_patches(tail, RemoteAddr(kBase + 0xc), patches);
  EXPECT_EQ(tail, std::vector<uint8_t>(kLoop.begin() + 0xc, kLoop.end()));
}

// Trampolines added out of address order (a test, a caller with several mappings) are found as
// when added in order; an empty map finds nothing.
TEST(TrampolineMap, OutOfOrderAddsAnswerTheSame) {
  TrampolineMap empty;
  EXPECT_FALSE(empty.lookup(RemoteAddr(kTrampolines)));
  EXPECT_FALSE(empty.is_interrupt(RemoteAddr(kTrampolines)));
  EXPECT_FALSE(empty.copy_of(RemoteAddr(kBase + 0xa)));
  // The same loop at three places, each with its trampoline.
  std::vector<Trampoline> ts;
  for (uint64_t i = 0; i < 3; ++i) {
    ts.push_back(build(kLoop, kBase + 0xd, kTrampolines + i * 0x100));
  }
  TrampolineMap in_order, reversed;
  for (const Trampoline& t : ts) in_order.add(t);
  for (auto it = ts.rbegin(); it != ts.rend(); ++it) reversed.add(*it);
  EXPECT_EQ(reversed.size(), 3u);
  for (uint64_t pc = kTrampolines - 4; pc < kTrampolines + 0x300; ++pc) {
    auto a = in_order.lookup(RemoteAddr(pc)), b = reversed.lookup(RemoteAddr(pc));
    ASSERT_EQ(a.has_value(), b.has_value()) << std::hex << pc;
    if (a) {
      EXPECT_EQ(a->original, b->original);
      EXPECT_EQ(a->region, b->region);
      EXPECT_EQ(a->countdown_fix, b->countdown_fix);
    }
    EXPECT_EQ(in_order.is_interrupt(RemoteAddr(pc)), reversed.is_interrupt(RemoteAddr(pc)));
  }
  for (const Trampoline& t : ts) {
    EXPECT_TRUE(reversed.is_interrupt(t.interrupt_resume));
    EXPECT_TRUE(reversed.lookup(t.address));
    EXPECT_FALSE(reversed.lookup(RemoteAddr(t.address.addr() + t.code.size())));
  }
  // One displaced range, three trampolines: the last added is the copy's place.
  EXPECT_EQ(in_order.copy_of(RemoteAddr(kBase + 0xa)), ts[2].address);
  EXPECT_EQ(reversed.copy_of(RemoteAddr(kBase + 0xa)), ts[0].address);
}

// A trampoline added where one already is replaces it.
TEST(TrampolineMap, SameAddressReplaces) {
  auto entry_code = bytes({
      0x53,                    // 0: push rbx
      0x48, 0x89, 0xfb,        // 1: mov rbx, rdi
      0x5b, 0xc3,              // 4: pop rbx; ret
      0xe8, 0xf5, 0xff, 0xff,  // 6: call 0
      0xff, 0xc3,
  });
  Trampoline loop = build(kLoop, kBase + 0xd);
  Trampoline entry = build(entry_code, kBase);
  TrampolineMap map;
  map.add(loop);
  map.add(entry);
  EXPECT_EQ(map.size(), 1u);
  auto first = map.lookup(RemoteAddr(kTrampolines));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->region, TrampolineRegion::kInterrupt);  // an entry trampoline starts so
  EXPECT_EQ(first->original.addr(), kBase);
  EXPECT_TRUE(map.is_interrupt(entry.interrupt_resume));
  EXPECT_FALSE(map.copy_of(RemoteAddr(kBase + 0xa)));  // the loop's copies are gone
  const auto copies = in_region(entry, TrampolineRegion::kRelocated);
  EXPECT_EQ(map.copy_of(RemoteAddr(kBase)), RemoteAddr(kTrampolines + copies[0].offset));
}

// Call redirection: the direct calls of an entry with a jump patch (SiteScan::calls) get their
// rel32 pointed at that entry's tick in its trampoline (where the entry's jmp goes); a call of
// an entry left alone (too short for a jump) keeps its own, and with no trampoline placed no
// call is redirected. Reading the code through hide_patches shows the original calls.
TEST(TrampolineSet, DirectCallsGoStraightToTheEntrysTick) {
  std::vector<uint8_t> code = testing::recursive_sum();  // sum at 0, with its own call at 0xd
  const std::vector<uint8_t> more = bytes({
      0xe8, 0x05, 0x00, 0x00, 0x00,  // 1b: call tiny
      0xe8, 0xdb, 0xff, 0xff, 0xff,  // 20: call sum
      0xc3,                          // 25: tiny: ret (too short for a jump)
  });
  code.insert(code.end(), more.begin(), more.end());
  SiteScan s = scan(code);
  EXPECT_EQ(site_at(s, kBase + 0x25).method, SiteMethod::kTrap);
  ASSERT_EQ(s.calls, (std::vector<RemoteAddr>{RemoteAddr(kBase + 0xd), RemoteAddr(kBase + 0x20)}));
  auto set = build_trampolines(s.sites, code, RemoteAddr(kBase), RemoteAddr(kTrampolines), RemoteAddr(kBlock));
  ASSERT_TRUE(set.ok()) << set.error().message;
  const uint64_t tick = *jump_patch_target(build(code, kBase).patch);  // where sum's jmp goes
  EXPECT_EQ(set->map.lookup(RemoteAddr(tick))->region, TrampolineRegion::kCounting);

  std::vector<Patch> calls = redirect_calls(s.calls, *set, code, RemoteAddr(kBase));
  ASSERT_EQ(calls.size(), 2u);
  std::vector<uint8_t> patched = code;
  for (const Patch& p : calls) {
    ASSERT_EQ(p.patched.size(), 4u);
    const uint64_t call = p.address.addr() - 1;
    EXPECT_TRUE(std::equal(p.original.begin(), p.original.end(), &code[p.address.addr() - kBase]));
    EXPECT_FALSE(jump_patch_target(p)) << "a call's rel32 is no jump patch";
    int32_t rel;
    std::memcpy(&rel, p.patched.data(), 4);
    EXPECT_EQ(call + 5 + rel, tick) << "the call at " << std::hex << call;
    std::copy(p.patched.begin(), p.patched.end(), patched.begin() + (p.address.addr() - kBase));
  }
  EXPECT_EQ(calls[0].address.addr(), kBase + 0xe);
  EXPECT_EQ(calls[1].address.addr(), kBase + 0x21);
  hide_patches(patched, RemoteAddr(kBase), calls);
  EXPECT_EQ(patched, code);

  auto far = build_trampolines(s.sites, code, RemoteAddr(kBase), RemoteAddr(kBase + (uint64_t{3} << 30)),
                               RemoteAddr(kPerThreadBlock));
  ASSERT_TRUE(far.ok());
  EXPECT_TRUE(redirect_calls(s.calls, *far, code, RemoteAddr(kBase)).empty());
}

// build_trampolines: a site out of reach is left alone (counted), bad input is an error.
TEST(TrampolineSet, UnreachableSitesAreCountedAndBadInputIsAnError) {
  SiteScan s = scan(kLoop);
  auto far = build_trampolines(s.sites, kLoop, RemoteAddr(kBase),
                               RemoteAddr(kBase + (uint64_t{3} << 30)),
                               RemoteAddr(kPerThreadBlock));
  ASSERT_TRUE(far.ok()) << far.error().message;
  EXPECT_EQ(far->unplaced, 1u);
  EXPECT_TRUE(far->code.empty() && far->patches.empty());
  EXPECT_EQ(far->map.size(), 0u);

  auto near = build_trampolines(s.sites, kLoop, RemoteAddr(kBase), RemoteAddr(kTrampolines),
                                RemoteAddr(kBlock));
  ASSERT_TRUE(near.ok()) << near.error().message;
  Trampoline t = build(kLoop, kBase + 0xd);
  EXPECT_EQ(near->code, t.code);
  ASSERT_EQ(near->patches.size(), 1u);
  EXPECT_EQ(near->patches[0].patched, t.patch.patched);
  EXPECT_TRUE(near->map.is_interrupt(t.interrupt_resume));

  std::vector<uint8_t> changed = kLoop;
  changed[0xa] = 0x06;  // no longer an instruction
  auto stale = build_trampolines(s.sites, changed, RemoteAddr(kBase), RemoteAddr(kTrampolines),
                                 RemoteAddr(kBlock));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, ErrorKind::kBadInput);
}

}  // namespace
}  // namespace ebb::ticks
