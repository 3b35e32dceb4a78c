// Tick site selection on hand-written x86-64 (disassembly in the comments).
#include <gtest/gtest.h>

#include <cstring>

#include "engine/ticks/sites.h"
#include "tests/unit/ticks/ticks_test_util.h"

namespace ebb::ticks {
namespace {

using testing::bytes;
using testing::kBase;
using testing::scan;
using testing::site_at;

TEST(Sites, SimpleLoopBackEdgeIsPatchedWithTheInstructionsBeforeIt) {
  auto code = bytes({
      0x31, 0xc0,                    // 0: xor eax, eax
      0xbf, 0x0a, 0x00, 0x00, 0x00,  // 2: mov edi, 10
      0x48, 0x01, 0xf8,              // 7: L: add rax, rdi
      0x48, 0xff, 0xcf,              // a: dec rdi
      0x75, 0xf8,                    // d: jne L
      0xc3,                          // f: ret
  });
  SiteScan s = scan(code);
  ASSERT_EQ(s.sites.size(), 1u);
  const TickSite& t = s.sites[0];
  EXPECT_EQ(t.address.addr(), kBase + 0xd);
  EXPECT_EQ(t.kind, SiteKind::kBackEdge);
  EXPECT_EQ(t.target.addr(), kBase + 0x7);
  EXPECT_EQ(t.method, SiteMethod::kJump);
  EXPECT_EQ(t.trap_reason, TrapReason::kNone);
  // The fewest whole instructions ending with the branch: dec + jne.
  EXPECT_EQ(t.patch_start.addr(), kBase + 0xa);
  EXPECT_EQ(t.patch_length, 5);
  EXPECT_EQ(t.length, 2);
  EXPECT_EQ(s.instructions, 6u);
  EXPECT_TRUE(s.undecodable.empty());
}

TEST(Sites, ShortJumpBackEdge) {
  auto code = bytes({
      0x48, 0xff, 0xc0,  // 0: L: inc rax
      0x48, 0x39, 0xf8,  // 3: cmp rax, rdi
      0x73, 0x05,        // 6: jae out
      0x48, 0xff, 0xc1,  // 8: inc rcx
      0xeb, 0xf3,        // b: jmp L
      0xc3,              // d: out: ret
  });
  SiteScan s = scan(code);
  ASSERT_EQ(s.sites.size(), 1u);
  EXPECT_EQ(s.sites[0].address.addr(), kBase + 0xb);
  EXPECT_EQ(s.sites[0].target.addr(), kBase);
  EXPECT_EQ(s.sites[0].method, SiteMethod::kJump);
  EXPECT_EQ(s.sites[0].patch_start.addr(), kBase + 0x8);
  EXPECT_EQ(s.sites[0].patch_length, 5);
}

TEST(Sites, ForwardShortJccInsideTheRangeIsAccepted) {
  auto code = bytes({
      0x48, 0xff, 0xc0,  // 0: L: inc rax
      0x48, 0x85, 0xc0,  // 3: test rax, rax
      0x74, 0x06,        // 6: je e (widened to rel32 in the trampoline)
      0x89, 0xc1,        // 8: mov ecx, eax
      0x75, 0xf4,        // a: jne L
      0xc3, 0xc3, 0xc3,  // c: ret; ret; e: ret
  });
  TickSite t = site_at(scan(code), kBase + 0xa);
  EXPECT_EQ(t.method, SiteMethod::kJump);
  EXPECT_EQ(t.patch_start.addr(), kBase + 0x6);
  EXPECT_EQ(t.patch_length, 6);
}

TEST(Sites, JumpTargetInsideTheRangeFallsBackToInt3) {
  auto code = bytes({
      0x48, 0xff, 0xc0,  // 0: L: inc rax
      0x48, 0x85, 0xc0,  // 3: test rax, rax
      0x74, 0x02,        // 6: je a      <- a target inside [6, c)
      0x89, 0xc1,        // 8: mov ecx, eax
      0x75, 0xf4,        // a: jne L
      0xc3,              // c: ret       (jne + ret: too short forward)
  });
  SiteScan s = scan(code);
  TickSite t = site_at(s, kBase + 0xa);
  EXPECT_EQ(t.method, SiteMethod::kAtHead);  // not patched: the loop counts at its head
  EXPECT_EQ(t.trap_reason, TrapReason::kTargetInside);
  TickSite head = site_at(s, kBase);
  EXPECT_EQ(head.kind, SiteKind::kLoopHead);
  EXPECT_EQ(head.method, SiteMethod::kJump);
  EXPECT_EQ(head.patch_start.addr(), kBase);
  EXPECT_EQ(head.patch_length, 6);  // inc + test
}

TEST(Sites, LoopHeadNeedsItsOwnPatchableRange) {
  auto code = bytes({
      0x74, 0x04,  // 0: je M        <- M is inside every range of 5 bytes or more from L
      0xff, 0xc0,  // 2: L: inc eax
      0xff, 0xc1,  // 4: inc ecx
      0xff, 0xc2,  // 6: M: inc edx
      0x75, 0xf8,  // 8: jne L       backward range [4, a) holds M
      0xc3,        // a: ret         (jne + ret: too short forward)
  });
  SiteScan s = scan(code);
  ASSERT_EQ(s.sites.size(), 1u);  // no head site
  EXPECT_EQ(s.sites[0].method, SiteMethod::kTrap);
  EXPECT_EQ(s.sites[0].trap_reason, TrapReason::kTargetInside);
}

TEST(Sites, LoopBackToAFunctionEntryCountsThere) {
  auto code = bytes({
      0xe8, 0x06, 0x00, 0x00, 0x00,  // 0: call f
      0xc3,                          // 5: ret
      0x90, 0x90, 0x90, 0x90, 0x90,  // 6: nops
      0x48, 0xff, 0xc0,              // b: f: inc rax
      0x48, 0x85, 0xc0,              // e: test rax, rax
      0x74, 0x02,                    // 11: je 15   <- a target inside the back-edge's ranges
      0x89, 0xc1,                    // 13: mov ecx, eax
      0x75, 0xf4,                    // 15: jne f
      0xc3,                          // 17: ret
  });
  SiteScan s = scan(code);
  // The entry counts every pass: the back-edge gets no site, and no head is made.
  ASSERT_EQ(s.sites.size(), 1u);
  EXPECT_EQ(site_at(s, kBase + 0xb).kind, SiteKind::kEntry);
  EXPECT_EQ(site_at(s, kBase + 0xb).method, SiteMethod::kJump);
}

TEST(Sites, ABackwardJumpToAnEpilogueIsNoLoop) {
  auto code = bytes({
      0x53,                    // 0: push rbx
      0x85, 0xff,              // 1: test edi, edi
      0x74, 0x06,              // 3: je 0xb
      0x5b,                    // 5: out: pop rbx
      0x48, 0x89, 0xf8,        // 6: mov rax, rdi
      0xc3,                    // 9: ret
      0x90,                    // a: nop
      0x48, 0xff, 0xc7,        // b: inc rdi
      0xeb, 0xf5,              // e: jmp out (backward, but out returns: no pass comes back)
  });
  EXPECT_TRUE(scan(code).sites.empty());
  // The same with a branch back to the jmp on the way: a loop, which keeps its site.
  code[6] = 0x75;  // 6: jne 0xb (then 8: ...)
  code[7] = 0x03;
  EXPECT_FALSE(scan(code).sites.empty());
}

// A back-edge that turns out to need no site no longer keeps another site from its range: the
// second selection pass patches the entry it stood in.
TEST(Sites, ADroppedBackEdgeLeavesItsPlaceToAnEntry) {
  auto code = bytes({
      0xe8, 0x04, 0x00, 0x00, 0x00,  // 0: call f
      0xc3,                          // 5: ret
      0x31, 0xc0, 0xc3,              // 6: out: xor eax, eax; ret
      0x48, 0xff, 0xc7,              // 9: f: inc rdi
      0xeb, 0xf8,                    // c: jmp out (no loop: no site)
      0xc3,                          // e: ret
  });
  SiteScan s = scan(code);
  ASSERT_EQ(s.sites.size(), 1u);
  EXPECT_EQ(s.sites[0].address.addr(), kBase + 9);
  EXPECT_EQ(s.sites[0].method, SiteMethod::kJump);  // the first pass: another site inside
  EXPECT_EQ(s.sites[0].patch_length, 5);
}

TEST(Sites, NoWayBackSearchesEveryPathFromTheTarget) {
  auto code = bytes({
      0xe8, 0x0e, 0x00, 0x00, 0x00,  // 0: call f
      0xc3,                          // 5: ret
      0x85, 0xff,                    // 6: out: test edi, edi
      0x74, 0x03,                    // 8: je 0xd
      0x31, 0xc0,                    // a: xor eax, eax
      0xc3,                          // c: ret
      0xb8, 0x01, 0x00, 0x00, 0x00,  // d: mov eax, 1
      0xc3,                          // 12: ret
      0x48, 0xff, 0xc7,              // 13: f: inc rdi (an entry with a site inside: a trap)
      0xeb, 0xee,                    // 16: jmp out: both ways from out return
      0xc3,                          // 18: ret
  });
  SiteScan s = scan(code);
  for (const TickSite& t : s.sites) EXPECT_NE(t.kind, SiteKind::kBackEdge) << std::hex << t.address.addr();
  // A call on the way to an entry that does not count (f's, a trap) could come back: kept.
  auto calls_back = bytes({
      0xe8, 0x0b, 0x00, 0x00, 0x00,  // 0: call f
      0xc3,                          // 5: ret
      0x85, 0xff,                    // 6: out: test edi, edi
      0x74, 0x05,                    // 8: je 0xf
      0xe8, 0x01, 0x00, 0x00, 0x00,  // a: call f
      0xc3,                          // f: ret
      0x48, 0xff, 0xc7,              // 10: f: inc rdi (a trap, as above)
      0xeb, 0xf1,                    // 13: jmp out
      0xc3,                          // 15: ret
  });
  SiteScan again = scan(calls_back);
  EXPECT_EQ(site_at(again, kBase + 0x10).method, SiteMethod::kTrap);
  EXPECT_EQ(site_at(again, kBase + 0x13).kind, SiteKind::kBackEdge);
}

TEST(Sites, ForwardRangeServesWhenTheBackwardOneCannot) {
  auto code = bytes({
      0x48, 0xff, 0xc0,  // 0: L: inc rax
      0x74, 0x02,        // 3: je 7      <- a target inside any backward range
      0x89, 0xc1,        // 5: mov ecx, eax
      0x75, 0xf7,        // 7: jne L
      0x48, 0x89, 0xc2,  // 9: mov rdx, rax   (the loop's exit code)
      0xc3,              // c: ret
  });
  TickSite t = site_at(scan(code), kBase + 0x7);
  EXPECT_EQ(t.method, SiteMethod::kJump);
  EXPECT_EQ(t.patch_start.addr(), kBase + 0x7);
  EXPECT_EQ(t.patch_length, 5);
}

TEST(Sites, TightSelfLoopIsATrap) {
  auto code = bytes({
      0x90, 0x90, 0x90, 0x90,  // nops
      0xeb, 0xfe,              // 4: L: jmp L
      0xc3,
  });
  TickSite t = site_at(scan(code), kBase + 4);
  EXPECT_EQ(t.target.addr(), kBase + 4);
  EXPECT_EQ(t.method, SiteMethod::kTrap);
  EXPECT_EQ(t.trap_reason, TrapReason::kTargetInside);
}

TEST(Sites, CallInsideTheRangeIsControlFlow) {
  auto code = bytes({
      0xe8, 0x05, 0x00, 0x00, 0x00,  // 0: L: call 0xa
      0xff, 0xcb,                    // 5: dec ebx
      0x75, 0xf7,                    // 7: jne L
      0xc3,                          // 9: ret
      0xc3,                          // a: ret
  });
  SiteScan s = scan(code);
  TickSite t = site_at(s, kBase + 0x7);
  EXPECT_EQ(t.method, SiteMethod::kTrap);
  EXPECT_EQ(t.trap_reason, TrapReason::kControlFlow);
  EXPECT_EQ(site_at(s, kBase + 0xa).kind, SiteKind::kEntry);
}

// `L: <insn>; dec ecx; jne L; ret`: the backward range holds <insn>.
TickSite loop_around(std::vector<uint8_t> insn) {
  std::vector<uint8_t> code = insn;
  const int len = static_cast<int>(insn.size());
  for (int b : {0xff, 0xc9, 0x75, (-(len + 4)) & 0xff, 0xc3}) {
    code.push_back(static_cast<uint8_t>(b));
  }
  return site_at(scan(code), kBase + len + 2);
}

// `call f; ret; f: push rbx; <insn>; mov rax, rdx; pop rbx; ret`: <insn> is the entry's second
// instruction, under the jmp patch (a thread stopped on its copy cannot be moved to it).
TickSite entry_around(std::vector<uint8_t> insn) {
  std::vector<uint8_t> code = bytes({0xe8, 0x01, 0x00, 0x00, 0x00, 0xc3, 0x53});
  code.insert(code.end(), insn.begin(), insn.end());
  for (int b : {0x48, 0x89, 0xd0, 0x5b, 0xc3}) code.push_back(static_cast<uint8_t>(b));
  return site_at(scan(code), kBase + 6);
}

TEST(Sites, FaultRule) {
  struct Case {
    const char* what;
    std::vector<uint8_t> insn;
    bool first;   // accepted as a range's first instruction (loop_around)
    bool inside;  // accepted under the jmp, not first (entry_around)
  };
  // A memory fault is accepted where a thread can be moved back to the original instruction
  // before its handler runs (session::leave_trampoline): the first instruction of a range.
  const Case cases[] = {
      {"add rax, [rdi]", bytes({0x48, 0x03, 0x07}), true, false},
      {"mov [rax+rcx*8], rdx", bytes({0x48, 0x89, 0x14, 0xc8}), true, false},
      {"lock xadd [rdi], eax", bytes({0xf0, 0x0f, 0xc1, 0x07}), true, false},
      {"mov rax, [rsp-0x1000]", bytes({0x48, 0x8b, 0x84, 0x24, 0x00, 0xf0, 0xff, 0xff}), true, false},
      {"div rcx", bytes({0x48, 0xf7, 0xf1}), false, false},
      {"cpuid", bytes({0x0f, 0xa2}), false, false},
      {"rdtsc", bytes({0x0f, 0x31}), false, false},
      {"syscall", bytes({0x0f, 0x05}), false, false},
      {"mov rax, [rsp+8]", bytes({0x48, 0x8b, 0x44, 0x24, 0x08}), true, true},
      {"push rbx", bytes({0x53}), true, true},
      {"mov rax, fs:0x28", bytes({0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0}), true, true},
      {"add rax, [rip+0x100]", bytes({0x48, 0x03, 0x05, 0x00, 0x01, 0x00, 0x00}), true, true},
      {"lea rax, [rdi+rsi*4]", bytes({0x48, 0x8d, 0x04, 0xb7}), true, true},
      {"imul rax, rdx", bytes({0x48, 0x0f, 0xaf, 0xc2}), true, true},
      {"addsd xmm0, xmm1", bytes({0xf2, 0x0f, 0x58, 0xc1}), true, true},
  };
  for (const Case& c : cases) {
    for (bool first : {true, false}) {
      const bool accepted = first ? c.first : c.inside;
      TickSite t = first ? loop_around(c.insn) : entry_around(c.insn);
      EXPECT_EQ(t.method, accepted ? SiteMethod::kJump : SiteMethod::kTrap) << c.what << (first ? " first" : " inside");
      if (!accepted) {
        EXPECT_EQ(t.trap_reason, TrapReason::kMayFault) << c.what << (first ? " first" : " inside");
      }
    }
  }
}

TEST(Sites, CallTargetsAreEntrySites) {
  auto code = bytes({
      0xe8, 0x0b, 0x00, 0x00, 0x00,  // 0: call f
      0xe8, 0x09, 0x00, 0x00, 0x00,  // 5: call g
      0xe8, 0x01, 0x00, 0x00, 0x00,  // a: call f (again: one site)
      0xc3,                          // f: ret
      0x31, 0xc0,                    // 10: f: xor eax, eax
      0xc3,                          // 12: ret
      0x55,                          // 13: g: push rbp
      0x48, 0x89, 0xe5,              // 14: mov rbp, rsp
      0x48, 0x83, 0xec, 0x10,        // 17: sub rsp, 16
      0xc9,                          // 1b: leave
      0xc3,                          // 1c: ret
  });
  SiteScan s = scan(code);
  ASSERT_EQ(s.sites.size(), 2u);
  EXPECT_EQ(s.sites[0].address.addr(), kBase + 0x10);
  EXPECT_EQ(s.sites[0].kind, SiteKind::kEntry);
  EXPECT_EQ(s.sites[0].method, SiteMethod::kTrap);
  EXPECT_EQ(s.sites[0].trap_reason, TrapReason::kTooShort);  // xor + ret: 3 bytes
  EXPECT_EQ(s.sites[1].address.addr(), kBase + 0x13);
  EXPECT_EQ(s.sites[1].kind, SiteKind::kEntry);
  EXPECT_EQ(s.sites[1].target.addr(), kBase + 0x13);
  EXPECT_EQ(s.sites[1].method, SiteMethod::kJump);
  EXPECT_EQ(s.sites[1].patch_start.addr(), kBase + 0x13);
  EXPECT_EQ(s.sites[1].patch_length, 8);
}

TEST(Sites, RecursiveFunctionEntry) {
  SiteScan s = scan(testing::recursive_sum());
  ASSERT_EQ(s.sites.size(), 1u);  // the call is backward, but a call is no back-edge
  EXPECT_EQ(s.sites[0].kind, SiteKind::kEntry);
  EXPECT_EQ(s.sites[0].address.addr(), kBase);
  EXPECT_EQ(s.sites[0].method, SiteMethod::kJump);
  EXPECT_EQ(s.sites[0].patch_length, 7);
}

TEST(Sites, AnotherSiteInsideTheRange) {
  auto code = bytes({
      0xe8, 0x00, 0x00, 0x00, 0x00,  // 0: call f
      0xff, 0xcf,                    // 5: f: dec edi
      0x75, 0xfc,                    // 7: jne f
      0x90,                          // 9: nop
      0xc3,                          // a: ret
  });
  SiteScan s = scan(code);
  TickSite entry = site_at(s, kBase + 5);
  EXPECT_EQ(entry.kind, SiteKind::kEntry);
  EXPECT_EQ(entry.method, SiteMethod::kTrap);
  EXPECT_EQ(entry.trap_reason, TrapReason::kOtherSite);
  TickSite back = site_at(s, kBase + 7);
  EXPECT_EQ(back.method, SiteMethod::kTrap);
}

TEST(Sites, UndecodableBytesMakeTheirSurroundingsUnpatchable) {
  std::vector<uint8_t> code = {0x06, 0x06};  // push es: invalid in 64-bit mode
  // A loop right after the bad bytes: inside the resync window, no site.
  for (int b : {0x48, 0xff, 0xcf, 0x75, 0xfb}) code.push_back(static_cast<uint8_t>(b));
  code.resize(64, 0x90);
  // The same loop well past the window: a site.
  for (int b : {0x48, 0xff, 0xcf, 0x75, 0xfb, 0xc3}) code.push_back(static_cast<uint8_t>(b));
  SiteScan s = scan(code);
  ASSERT_EQ(s.undecodable.size(), 1u);
  EXPECT_EQ(s.undecodable[0], (AddrRange{RemoteAddr(kBase), 2}));
  ASSERT_EQ(s.unpatchable.size(), 1u);
  EXPECT_EQ(s.unpatchable[0], (AddrRange{RemoteAddr(kBase), 2 + kResyncAfter}));
  ASSERT_EQ(s.sites.size(), 1u);
  EXPECT_EQ(s.sites[0].address.addr(), kBase + 64 + 3);
  EXPECT_EQ(s.sites[0].method, SiteMethod::kJump);
}

TEST(Sites, RangeMayNotReachIntoUnpatchableBytes) {
  std::vector<uint8_t> code = {0x06};
  code.resize(1 + kResyncAfter, 0x90);  // the window ends here
  // jne (2 bytes) just past the window: its backward range reaches back into the window.
  for (int b : {0x75, 0xfb, 0xc3}) code.push_back(static_cast<uint8_t>(b));
  SiteScan s = scan(code);
  TickSite t = site_at(s, kBase + 1 + kResyncAfter);
  EXPECT_EQ(t.method, SiteMethod::kTrap);
  EXPECT_EQ(t.trap_reason, TrapReason::kUnpatchable);
}

TEST(Sites, OverlappingRangesGoToTheFirstSite) {
  auto code = bytes({
      0x48, 0xff, 0xc0,  // 0: L: inc rax
      0x74, 0x02,        // 3: je 7
      0x89, 0xc1,        // 5: mov ecx, eax
      0x75, 0xf7,        // 7: jne L     forward range [7, c)
      0x48, 0x89, 0xc2,  // 9: mov rdx, rax
      0x75, 0xf2,        // c: jne L     backward range [9, e) overlaps it
      0xc3,              // e: ret
  });
  SiteScan s = scan(code);
  TickSite first = site_at(s, kBase + 7);
  EXPECT_EQ(first.method, SiteMethod::kJump);
  EXPECT_EQ(first.patch_start.addr(), kBase + 7);
  TickSite second = site_at(s, kBase + 0xc);
  EXPECT_EQ(second.method, SiteMethod::kAtHead);  // counted at L, [0, 5)
  EXPECT_EQ(second.trap_reason, TrapReason::kOverlap);
  EXPECT_EQ(site_at(s, kBase).kind, SiteKind::kLoopHead);
}

TEST(Sites, DeterministicAndOrderedByAddress) {
  std::vector<uint8_t> code;
  for (int i = 0; i < 50; ++i) {
    for (int b : {0x48, 0xff, 0xcf, 0x75, 0xfb, 0x90, 0x90}) {
      code.push_back(static_cast<uint8_t>(b));
    }
  }
  SiteScan a = scan(code), b = scan(code);
  ASSERT_EQ(a.sites.size(), 50u);
  ASSERT_EQ(a.sites.size(), b.sites.size());
  for (size_t i = 0; i < a.sites.size(); ++i) {
    EXPECT_EQ(a.sites[i].address, b.sites[i].address);
    EXPECT_EQ(a.sites[i].patch_start, b.sites[i].patch_start);
    EXPECT_EQ(a.sites[i].method, b.sites[i].method);
    if (i > 0) {
      EXPECT_LT(a.sites[i - 1].address.addr(), a.sites[i].address.addr());
    }
  }
}

TEST(Sites, WrappingMappingIsBadInput) {
  std::vector<uint8_t> code(16, 0x90);
  auto s = find_tick_sites(code, RemoteAddr(UINT64_MAX - 4));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kBadInput);
}

// A switch's jump table (gcc's PIC form) is found, and a case reached only
// through it is kept out of displaced ranges.
TEST(Sites, JumpTableBasesAndIndirectTargets) {
  auto code = bytes({
      0x48, 0x8d, 0x15, 0x00, 0x01, 0x00, 0x00,  // 0: lea rdx, [rip + 0x100] (the table: 0x107)
      0x48, 0x63, 0x04, 0x82,                    // 7: movsxd rax, [rdx + rax*4]
      0x48, 0x01, 0xd0,                          // b: add rax, rdx
      0xff, 0xe0,                                // e: jmp rax
      0x48, 0xff, 0xc7,                          // 10: L: inc rdi
      0x48, 0xff, 0xc1,                          // 13: inc rcx
      0x48, 0x39, 0xf9,                          // 16: cmp rcx, rdi
      0x75, 0xf5,                                // 19: case: jne L (say the table names it)
      0xc3,                                      // 1b: ret
  });
  auto bases = jump_table_bases(code, RemoteAddr(kBase));
  ASSERT_EQ(bases.size(), 1u);
  EXPECT_EQ(bases[0].base.addr(), kBase + 0x107);
  EXPECT_EQ(bases[0].kind, JumpTableKind::kOffsets32);
  SiteScan plain = scan(code);
  ASSERT_EQ(plain.sites.size(), 1u);
  EXPECT_EQ(plain.sites[0].method, SiteMethod::kJump);  // cmp; jne displaced: 0x19 inside
  EXPECT_EQ(plain.sites[0].patch_start.addr(), kBase + 0x16);
  const RemoteAddr cases[] = {RemoteAddr(kBase + 0x19)};
  auto careful = find_tick_sites(code, RemoteAddr(kBase), cases);
  ASSERT_TRUE(careful.ok());
  ASSERT_GE(careful->sites.size(), 1u);
  const TickSite& t = site_at(*careful, kBase + 0x19);
  // The case's address is never inside a patch after its first byte.
  if (t.method == SiteMethod::kJump) {
    EXPECT_FALSE(t.patch_start.addr() < kBase + 0x19 && kBase + 0x19 < t.patch_start.addr() + t.patch_length);
  } else {
    EXPECT_EQ(t.trap_reason, TrapReason::kTargetInside);
  }
}

// Memory outside the code for jump_table_cases: `data` at `at`, nothing readable elsewhere.
MemoryReader memory_at(uint64_t at, const std::vector<uint8_t>& data) {
  return [at, &data](RemoteAddr a, void* buffer, size_t len) -> size_t {
    if (a.addr() < at || a.addr() >= at + data.size()) return 0;
    const size_t n = std::min<size_t>(len, at + data.size() - a.addr());
    std::memcpy(buffer, &data[a.addr() - at], n);
    return n;
  };
}

void put32(std::vector<uint8_t>& v, int32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(static_cast<uint32_t>(x) >> (8 * i)));
}

// sqlite3_complete's shape (the sqlite3 crash under --ticks=soft): gcc hoists the switch's
// `lea table(%rip)` out of the loop into a callee-saved register, far from the `movslq; add;
// jmp` that dispatches through it. A case (CASE) that only the table names directly follows a
// back-edge (jne L) whose range must start at the branch, so [jne; add] was displaced and the
// table's jump landed in the middle of the patch's rel32.
TEST(Sites, HoistedJumpTableBaseKeepsItsCasesOutOfRanges) {
  constexpr uint64_t kTable = kBase + 0x1000;  // in "read-only data", 4-aligned
  auto code = bytes({
      0x48, 0x8d, 0x2d, 0xf9, 0x0f, 0x00, 0x00,  // 0: lea rbp, [rip + 0xff9] (kTable)
      0x31, 0xdb,                                // 7: xor ebx, ebx
      0x0f, 0xb6, 0x07,                          // 9: L: movzx eax, byte [rdi]
      0x84, 0xc0,                                // c: test al, al
      0x74, 0x18,                                // e: je OUT
      0x3c, 0x3b,                                // 10: cmp al, 0x3b
      0x7f, 0x0a,                                // 12: jg HIGH
      0x48, 0x63, 0x4c, 0x85, 0x00,              // 14: movsxd rcx, [rbp + rax*4]
      0x48, 0x01, 0xe9,                          // 19: add rcx, rbp
      0xff, 0xe1,                                // 1c: jmp rcx
      0x3c, 0x60,                                // 1e: HIGH: cmp al, 0x60
      0x75, 0xe7,                                // 20: jne L
      0x48, 0x83, 0xc7, 0x01,                    // 22: CASE: add rdi, 1
      0xeb, 0xe1,                                // 26: jmp L
      0xc3,                                      // 28: OUT: ret
  });
  // Without the table, the back-edge at 0x20 displaces [0x20, 0x26): CASE is inside.
  const TickSite unaware = site_at(scan(code), kBase + 0x20);
  ASSERT_EQ(unaware.method, SiteMethod::kJump);
  EXPECT_EQ(unaware.patch_start.addr(), kBase + 0x20);
  EXPECT_EQ(unaware.patch_length, 6);

  const auto tables = jump_table_bases(code, RemoteAddr(kBase));
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0], (JumpTable{RemoteAddr(kTable), JumpTableKind::kOffsets32}));
  std::vector<uint8_t> table;
  put32(table, static_cast<int32_t>(kBase + 0x28 - kTable));  // '\0' -> OUT
  for (int i = 1; i < 20; ++i) put32(table, static_cast<int32_t>(kBase + 0x09 - kTable));
  put32(table, static_cast<int32_t>(kBase + 0x22 - kTable));  // entry 20 (past the first read)
  put32(table, 0x12345678);                                     // past the table: outside
  put32(table, static_cast<int32_t>(kBase + 0x10 - kTable));    // never read
  const auto cases = jump_table_cases(tables, RemoteAddr(kBase), code.size(), memory_at(kTable, table));
  EXPECT_EQ(cases, (std::vector<RemoteAddr>{RemoteAddr(kBase + 0x09), RemoteAddr(kBase + 0x22),
                                            RemoteAddr(kBase + 0x28)}));

  auto careful = find_tick_sites(code, RemoteAddr(kBase), cases);
  ASSERT_TRUE(careful.ok());
  for (const TickSite& t : careful->sites) {
    if (t.method != SiteMethod::kJump) continue;
    for (RemoteAddr c : cases) {
      EXPECT_FALSE(t.patch_start.addr() < c.addr() && c.addr() < t.patch_start.addr() + t.patch_length)
          << std::hex << "site " << t.address.addr() << " displaces case " << c.addr();
    }
  }
  // Not patched itself: the loop counts at its head L (movzx + test; L is a case, at its start).
  EXPECT_EQ(site_at(*careful, kBase + 0x20).method, SiteMethod::kAtHead);
  EXPECT_EQ(site_at(*careful, kBase + 0x09).kind, SiteKind::kLoopHead);
  const TickSite tail = site_at(*careful, kBase + 0x26);  // [CASE; jmp L]: the case is its start
  EXPECT_EQ(tail.method, SiteMethod::kJump);
  EXPECT_EQ(tail.patch_start.addr(), kBase + 0x22);
}

// Only 4-byte-aligned lea targets outside the code are taken for hoisted tables (compilers align
// jump tables); rip-relative loads and leas into the code are not.
TEST(Sites, JumpTableCandidatesAreAlignedLeasOutsideTheCode) {
  auto code = bytes({
      0x48, 0x8d, 0x05, 0xf9, 0x0f, 0x00, 0x00,  // 0: lea rax, [rip + 0xff9]: 0x1000, aligned
      0x48, 0x8d, 0x05, 0xf3, 0x0f, 0x00, 0x00,  // 7: lea rax, [rip + 0xff3]: 0x1001
      0x48, 0x8b, 0x05, 0xe5, 0x0f, 0x00, 0x00,  // e: mov rax, [rip + 0xfe5]: 0x1000, a load
      0x48, 0x8d, 0x05, 0xe1, 0xff, 0xff, 0xff,  // 15: lea rax, [rip - 0x1f]: 0x0, in the code
      0xc3,                                      // 1c: ret
  });
  EXPECT_EQ(jump_table_bases(code, RemoteAddr(kBase)),
            (std::vector<JumpTable>{{RemoteAddr(kBase + 0x1000), JumpTableKind::kOffsets32}}));
}

// Non-PIC code (python3.11 here is not PIE) jumps through tables of absolute addresses:
// `jmp [table + idx*8]`, or a load of the element then `jmp reg`.
TEST(Sites, AbsoluteJumpTables) {
  auto code = bytes({
      0xff, 0x24, 0xc5, 0x00, 0x20, 0x40, 0x00,  // 0: jmp [rax*8 + 0x402000]
      0x48, 0x8b, 0x04, 0xc5, 0x00, 0x30, 0x40, 0x00,  // 7: mov rax, [rax*8 + 0x403000]
      0xff, 0xe0,                                // f: jmp rax
      0x48, 0x8b, 0x04, 0xc5, 0x00, 0x40, 0x40, 0x00,  // 11: mov rax, [rax*8 + 0x404000]
      0xc3,                                      // 19: ret (no jump follows: not a table)
  });
  const auto tables = jump_table_bases(code, RemoteAddr(kBase));
  EXPECT_EQ(tables, (std::vector<JumpTable>{{RemoteAddr(0x402000), JumpTableKind::kAddresses64},
                                            {RemoteAddr(0x403000), JumpTableKind::kAddresses64}}));
  std::vector<uint8_t> table;
  for (uint64_t a : {kBase + 0x11, kBase + 0x7, kBase + 0x11, uint64_t{0x402000}}) {
    for (int i = 0; i < 8; ++i) table.push_back(static_cast<uint8_t>(a >> (8 * i)));
  }
  const JumpTable one[] = {tables[0]};
  EXPECT_EQ(jump_table_cases(one, RemoteAddr(kBase), code.size(), memory_at(0x402000, table)),
            (std::vector<RemoteAddr>{RemoteAddr(kBase + 0x7), RemoteAddr(kBase + 0x11)}));
}

// Entries are read up to the first that cannot be read.
TEST(Sites, JumpTableCasesStopAtUnreadableMemory) {
  constexpr uint64_t kTable = kBase + 0x1000;
  std::vector<uint8_t> table;
  for (int i = 0; i < 40; ++i) put32(table, static_cast<int32_t>(kBase + i - kTable));
  const JumpTable tables[] = {{RemoteAddr(kTable), JumpTableKind::kOffsets32}};
  const auto cases = jump_table_cases(tables, RemoteAddr(kBase), 0x100, memory_at(kTable, table));
  ASSERT_EQ(cases.size(), 40u);
  EXPECT_EQ(cases.back().addr(), kBase + 39);
}

}  // namespace
}  // namespace ebb::ticks

namespace ebb::ticks::testing {
namespace {

std::vector<AddrRange> uncounted(const std::vector<uint8_t>& code) {
  return uncounted_ranges(scan(code), RemoteAddr(kBase), RemoteAddr(kBase + code.size()));
}

TEST(UncountedRanges, NoneWhereEveryLoopCounts) {
  auto code = bytes({
      0x48, 0xff, 0xcf,  // 0: L: dec rdi
      0x48, 0x85, 0xff,  // 3: test rdi, rdi
      0x75, 0xf8,        // 6: jne L
      0xc3,
  });
  ASSERT_EQ(site_at(scan(code), kBase + 6).method, SiteMethod::kJump);
  EXPECT_TRUE(uncounted(code).empty());
}

TEST(UncountedRanges, AnUncountedLoopFromItsTargetToItsBranch) {
  auto code = bytes({
      0x90, 0x90, 0x90, 0x90,  // nops
      0xeb, 0xfe,              // 4: L: jmp L (a trap: its target is inside)
      0xc3,
  });
  EXPECT_EQ(uncounted(code), (std::vector<AddrRange>{{RemoteAddr(kBase + 4), 2}}));
}

TEST(UncountedRanges, AnUncountedEntryToTheNextEntryAndOverlapsMerged) {
  auto code = bytes({
      0xe8, 0x0b, 0x00, 0x00, 0x00,  // 0: call f
      0xe8, 0x09, 0x00, 0x00, 0x00,  // 5: call g
      0xe8, 0x01, 0x00, 0x00, 0x00,  // a: call f
      0xc3,                          // f: ret
      0x31, 0xc0,                    // 10: f: xor eax, eax (too short: a trap)
      0xc3,                          // 12: ret
      0x55,                          // 13: g: push rbp (patched)
      0x48, 0x89, 0xe5,              // 14: mov rbp, rsp
      0x48, 0x83, 0xec, 0x10,        // 17: sub rsp, 16
      0xc9,                          // 1b: leave
      0xc3,                          // 1c: ret
  });
  EXPECT_EQ(uncounted(code), (std::vector<AddrRange>{{RemoteAddr(kBase + 0x10), 3}}));
  auto nested = bytes({
      0xe8, 0x00, 0x00, 0x00, 0x00,  // 0: call f
      0xff, 0xcf,                    // 5: f: dec edi (entry: another site inside, a trap)
      0x75, 0xfc,                    // 7: jne f (a trap too)
      0x90,                          // 9: nop
      0xc3,                          // a: ret
  });
  // The entry's function (to the mapping's end) and the loop inside it: one range.
  EXPECT_EQ(uncounted(nested), (std::vector<AddrRange>{{RemoteAddr(kBase + 5), 6}}));
}

TEST(UncountedRanges, UnpatchableBytesAndClipping) {
  std::vector<uint8_t> code = {0x06, 0x06};  // push es: invalid in 64-bit mode
  code.resize(64, 0x90);
  EXPECT_EQ(uncounted(code), (std::vector<AddrRange>{{RemoteAddr(kBase), 2 + kResyncAfter}}));
  EXPECT_TRUE(uncounted_ranges(scan(code), RemoteAddr(kBase + 40), RemoteAddr(kBase + 64)).empty());
}

// The flags' liveness follows jumps and both ways of a branch, and gives up at a call, a return
// or a trap before all six are written.
TEST(Sites, FlagsLivenessFollowsJumpsAndBranches) {
  auto entry_then = [](std::vector<uint8_t> body) {
    std::vector<uint8_t> code = bytes({0xe8, 0x01, 0x00, 0x00, 0x00, 0xc3});  // call f; ret; f:
    code.insert(code.end(), body.begin(), body.end());
    TickSite site = site_at(scan(code), kBase + 6);
    EXPECT_EQ(site.method, SiteMethod::kJump);  // flags_dead means something for jump sites only
    return site;
  };
  // push rbp; mov rbp, rsp; jmp g; g: test edi, edi (AF undefined: counts as written); ret
  EXPECT_TRUE(entry_then({0x55, 0x48, 0x89, 0xe5, 0xeb, 0x00, 0x85, 0xff, 0xc3}).flags_dead);
  // push rbp; mov rbp, rsp; pop rbp; ret: the return comes first
  EXPECT_FALSE(entry_then({0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3}).flags_dead);
  // push rbx; inc ebx (not CF); jz x; add eax, eax; ret; x: xor ecx, ecx; ret: dead both ways
  EXPECT_TRUE(entry_then({0x53, 0xff, 0xc3, 0x74, 0x03, 0x01, 0xc0, 0xc3, 0x31, 0xc9, 0xc3}).flags_dead);
  // the same with x: adc ecx, 0 (reads CF, which the tick set)
  EXPECT_FALSE(entry_then({0x53, 0xff, 0xc3, 0x74, 0x03, 0x01, 0xc0, 0xc3, 0x83, 0xd1, 0x00, 0xc3}).flags_dead);
  // pushfq; pop rax; mov rbx, rax; ret: the flags become data
  EXPECT_FALSE(entry_then({0x9c, 0x58, 0x48, 0x89, 0xc3, 0xc3}).flags_dead);
  // mov eax, 39; nop; syscall: r11 would hold the tick's flags
  EXPECT_FALSE(entry_then({0xb8, 0x27, 0x00, 0x00, 0x00, 0x90, 0x0f, 0x05, 0xc3}).flags_dead);
  // push rbx; imul eax, eax (ZF undefined: not a write); pushfq; ...
  EXPECT_FALSE(entry_then({0x53, 0x0f, 0xaf, 0xc0, 0x9c, 0x58, 0xc3}).flags_dead);
}

// A function that jumps through a pointer at a fixed address (a PLT stub, a thunk through the
// GOT) hands the flags to another function, which by the ABI reads none at its entry: dead,
// though the walk cannot follow the jump. Not so for a jump through a register or a table.
TEST(Sites, FlagsDeadAtAJumpThroughAPointer) {
  auto entry_then = [](std::vector<uint8_t> body) {
    std::vector<uint8_t> code = bytes({0xe8, 0x01, 0x00, 0x00, 0x00, 0xc3});  // call f; ret; f:
    code.insert(code.end(), body.begin(), body.end());
    TickSite site = site_at(scan(code), kBase + 6);
    EXPECT_EQ(site.method, SiteMethod::kJump);
    return site;
  };
  // jmp [rip + 0x1000]; push 7; jmp ...: a lazy PLT stub
  EXPECT_TRUE(entry_then({0xff, 0x25, 0x00, 0x10, 0x00, 0x00, 0x68, 0x07, 0x00, 0x00, 0x00, 0xc3}).flags_dead);
  // endbr64; bnd jmp [rip + 0x1000]: an IBT PLT stub (.plt.sec)
  EXPECT_TRUE(entry_then({0xf3, 0x0f, 0x1e, 0xfa, 0xf2, 0xff, 0x25, 0x00, 0x10, 0x00, 0x00, 0xc3}).flags_dead);
  // mov rax, [rip + 0x1000]; jmp rax: through a register (the walk gives up at the jump)
  EXPECT_FALSE(entry_then({0x48, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00, 0xff, 0xe0, 0xc3}).flags_dead);
  // nop; jmp [rip + 0x1000]: not the function's first instruction
  EXPECT_FALSE(entry_then({0x90, 0x90, 0x90, 0x90, 0x90, 0xff, 0x25, 0x00, 0x10, 0x00, 0x00, 0xc3}).flags_dead);
}

// `f: push rbp; mov rbp, rsp; pop rbp; ret`: an entry that gets a jump patch (5 bytes).
const std::vector<uint8_t> kCountedFunction = {0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3};

std::vector<uint8_t> with_counted_function(std::vector<uint8_t> code) {
  code.insert(code.end(), kCountedFunction.begin(), kCountedFunction.end());
  return code;
}

TEST(CallCountedLoops, ALoopThatCallsACountedFunctionNeedsNoBackEdgeSite) {
  auto code = with_counted_function(bytes({
      0x89, 0xdf,                    // 0: L: mov edi, ebx
      0xe8, 0x05, 0x00, 0x00, 0x00,  // 2: call f
      0xff, 0xcb,                    // 7: dec ebx
      0x75, 0xf5,                    // 9: jne L
      0xc3,                          // b: ret
  }));                               // c: f
  SiteScan s = scan(code);
  ASSERT_EQ(s.sites.size(), 1u);  // every pass enters f, which counts: no site at the jne
  EXPECT_EQ(s.sites[0].address.addr(), kBase + 0xc);
  EXPECT_EQ(s.sites[0].kind, SiteKind::kEntry);
  EXPECT_EQ(s.sites[0].method, SiteMethod::kJump);
  EXPECT_TRUE(uncounted(code).empty());
}

TEST(CallCountedLoops, AJumpIntoTheLoopPastTheCallKeepsTheBackEdge) {
  auto code = with_counted_function(bytes({
      0x85, 0xdb,                    // 0: test ebx, ebx
      0x74, 0x07,                    // 2: je M (enters the loop after the call)
      0x89, 0xdf,                    // 4: L: mov edi, ebx
      0xe8, 0x05, 0x00, 0x00, 0x00,  // 6: call f
      0xff, 0xcb,                    // b: M: dec ebx
      0x75, 0xf5,                    // d: jne L
      0xc3,                          // f: ret
  }));                               // 10: f
  SiteScan s = scan(code);
  EXPECT_EQ(site_at(s, kBase + 0xd).kind, SiteKind::kBackEdge);
  EXPECT_EQ(site_at(s, kBase + 0x10).method, SiteMethod::kJump);
}

TEST(CallCountedLoops, OnlyTheLastCallOfTheLoopServesAndItMustCount) {
  // The counted call is followed by an indirect one: the back-edge keeps its site.
  auto indirect_after = with_counted_function(bytes({
      0xe8, 0x07, 0x00, 0x00, 0x00,  // 0: L: call f
      0xff, 0xd0,                    // 5: call rax
      0xff, 0xcb,                    // 7: dec ebx
      0x75, 0xf5,                    // 9: jne L
      0xc3,                          // b: ret
  }));                               // c: f
  EXPECT_EQ(site_at(scan(indirect_after), kBase + 0x9).kind, SiteKind::kBackEdge);
  // The called function's entry is not patched (one byte, a trap): it does not count.
  auto uncounted_callee = bytes({
      0xe8, 0x05, 0x00, 0x00, 0x00,  // 0: L: call f
      0xff, 0xcb,                    // 5: dec ebx
      0x75, 0xf7,                    // 7: jne L
      0xc3,                          // 9: ret
      0xc3,                          // a: f: ret
  });
  SiteScan s = scan(uncounted_callee);
  EXPECT_EQ(site_at(s, kBase + 0xa).method, SiteMethod::kTrap);
  EXPECT_EQ(site_at(s, kBase + 0x7).kind, SiteKind::kBackEdge);
}

}  // namespace
}  // namespace ebb::ticks::testing
