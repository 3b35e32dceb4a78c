// Patched code run for real in this process: hand-written functions are copied into an RWX
// mapping, patched through the ticks API, called, and their counter block checked.
#include <gtest/gtest.h>
#include <signal.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include <cstring>

#include "engine/ticks/counter_block.h"
#include "engine/ticks/sites.h"
#include "engine/ticks/soft_tick_source.h"
#include "engine/ticks/trampoline.h"
#include "tests/unit/ticks/ticks_test_util.h"

namespace ebb::ticks {
namespace {

using testing::bytes;

// The counter block in this process's memory, for SoftTickSource.
class LocalBlock : public CounterBlockMemory {
 public:
  explicit LocalBlock(CounterBlock* block) : block_(block) {}
  Result<CounterBlock> read_block() override { return *block_; }
  Status write_block(const CounterBlock& b) override {
    *block_ = b;
    return ok_status();
  }

 private:
  CounterBlock* block_;
};

// One RWX mapping: code at the start, trampolines after it, the counter block (unless placed
// elsewhere) after those.
class Arena {
 public:
  static constexpr size_t kSize = 1 << 20, kTrampolineOffset = 0x10000, kBlockOffset = 0x80000;

  bool per_thread = false;  // trampolines address the block gs-relative (kPerThreadBlock)

  explicit Arena(CounterBlock* block = nullptr) {
    void* p = mmap(nullptr, kSize, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    EXPECT_NE(p, MAP_FAILED);
    base_ = static_cast<uint8_t*>(p);
    block_ = block ? block : reinterpret_cast<CounterBlock*>(base_ + kBlockOffset);
    *block_ = CounterBlock{kUnarmedCountdown, 0};
  }
  ~Arena() { munmap(base_, kSize); }

  uint64_t address(size_t offset = 0) const { return reinterpret_cast<uint64_t>(base_) + offset; }
  CounterBlock* block() { return block_; }
  uint64_t ticks() const { return (kUnarmedCountdown - block_->countdown) / kCountdownStep; }
  const TrampolineMap& map() const { return map_; }

  // Copies `code`, unpatched.
  void load(const std::vector<uint8_t>& code) { std::memcpy(base_, code.data(), code.size()); }

  // Copies `code`, finds its sites and patches every one of them (all must take a jump).
  SiteScan install(const std::vector<uint8_t>& code) {
    load(code);
    SiteScan scan = testing::scan(code, address());
    size_t cursor = kTrampolineOffset;
    for (const TickSite& site : scan.sites) {
      if (site.method == SiteMethod::kAtHead) continue;  // its head's site counts it
      EXPECT_EQ(site.method, SiteMethod::kJump) << trap_reason_name(site.trap_reason);
      if (site.method != SiteMethod::kJump) continue;
      auto t = build_trampoline(site, code, RemoteAddr(address()), RemoteAddr(address(cursor)),
                                RemoteAddr(per_thread ? kPerThreadBlock : reinterpret_cast<uint64_t>(block_)));
      EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
      if (!t.ok()) continue;
      std::memcpy(base_ + cursor, t->code.data(), t->code.size());
      std::memcpy(base_ + (t->patch.address.addr() - address()), t->patch.patched.data(),
                  t->patch.patched.size());
      map_.add(*t);
      cursor += t->code.size();
    }
    __builtin___clear_cache(reinterpret_cast<char*>(base_), reinterpret_cast<char*>(base_ + kSize));
    return scan;
  }

  uint64_t call(uint64_t arg) {
    auto fn = reinterpret_cast<uint64_t (*)(uint64_t)>(base_);
    return fn(arg);
  }

 private:
  uint8_t* base_ = nullptr;
  CounterBlock* block_ = nullptr;
  TrampolineMap map_;
};

// sum(n) = n + (n-1) + ... + 1 with a jne back-edge.
const std::vector<uint8_t> kSumLoop = bytes({
    0x31, 0xc0,        // 0: xor eax, eax
    0x48, 0x01, 0xf8,  // 2: L: add rax, rdi
    0x48, 0xff, 0xcf,  // 5: dec rdi
    0x75, 0xf8,        // 8: jne L
    0xc3,              // a: ret
});

TEST(TicksExec, LoopCountsTheBackEdgesTaken) {
  Arena arena;
  SiteScan scan = arena.install(kSumLoop);
  ASSERT_EQ(scan.sites.size(), 1u);
  EXPECT_EQ(arena.call(1000), 500500u);
  EXPECT_EQ(arena.ticks(), 999u);
  EXPECT_EQ(arena.call(1), 1u);  // no back-edge taken
  EXPECT_EQ(arena.ticks(), 999u);
}

TEST(TicksExec, LoopCountedAtItsHead) {
  Arena arena;
  SiteScan scan = arena.install(bytes({
      0x31, 0xc0,        // 0: xor eax, eax
      0x48, 0x01, 0xf8,  // 2: L: add rax, rdi      head range: add + test
      0x48, 0x85, 0xff,  // 5: test rdi, rdi
      0x74, 0x02,        // 8: je c (never taken; c is inside every range of the back-edge)
      0xff, 0xcf,        // a: dec edi
      0x75, 0xf4,        // c: jne L
      0xc3,              // e: ret
  }));
  ASSERT_EQ(scan.sites.size(), 2u);
  EXPECT_EQ(scan.sites[0].kind, SiteKind::kLoopHead);
  EXPECT_EQ(scan.sites[1].method, SiteMethod::kAtHead);
  EXPECT_EQ(arena.call(1000), 500500u);
  EXPECT_EQ(arena.ticks(), 1000u);  // every pass through L: entering, then 999 back-edges
}

TEST(TicksExec, RecursionCountsEntries) {
  Arena arena;
  arena.install(bytes({
      0xe9, 0x00, 0x00, 0x00, 0x00,  // 0: jmp sum (the test calls offset 0)
      0x53,                          // 5: sum: push rbx
      0x48, 0x89, 0xfb,              // 6: mov rbx, rdi
      0x48, 0x85, 0xff,              // 9: test rdi, rdi
      0x74, 0x0e,                    // c: je zero
      0x48, 0x8d, 0x7f, 0xff,        // e: lea rdi, [rdi-1]
      0xe8, 0xee, 0xff, 0xff, 0xff,  // 12: call sum
      0x48, 0x01, 0xd8, 0x5b, 0xc3,  // 17: add rax, rbx; pop rbx; ret
      0x31, 0xc0, 0x5b, 0xc3,        // 1c: zero: xor eax, eax; pop rbx; ret
  }));
  EXPECT_EQ(arena.call(10), 55u);
  // sum(10) .. sum(0): the site is the function's entry, whichever way it is entered.
  EXPECT_EQ(arena.ticks(), 11u);
}

TEST(TicksExec, RipRelativeOperandReadsTheSameData) {
  std::vector<uint8_t> code = bytes({
      0x31, 0xc0,                                // 0: xor eax, eax
      0x48, 0x03, 0x05, 0x0a, 0x00, 0x00, 0x00,  // 2: L: add rax, [rip+0xa] (= [0x13])
      0xff, 0xcf,                                // 9: dec edi
      0x75, 0xf5,                                // b: jne L
      0xc3,                                      // d: ret
      0xcc, 0xcc, 0xcc, 0xcc, 0xcc,              // e: padding
      0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 13: data: 3
  });
  Arena arena;
  arena.install(code);
  EXPECT_EQ(arena.call(100), 300u);
  EXPECT_EQ(arena.ticks(), 99u);
}

TEST(TicksExec, LoopInstructionBackEdge) {
  Arena arena;
  SiteScan scan = arena.install(bytes({
      0x31, 0xc0,        // 0: xor eax, eax
      0x48, 0x89, 0xf9,  // 2: mov rcx, rdi
      0x48, 0xff, 0xc0,  // 5: L: inc rax
      0xe2, 0xfb,        // 8: loop L (rcx: the tick saves and restores it)
      0xc3,              // a: ret
  }));
  ASSERT_EQ(scan.sites.size(), 1u);
  EXPECT_EQ(arena.call(77), 77u);
  EXPECT_EQ(arena.ticks(), 76u);
}

TEST(TicksExec, ForwardRangeRunsTheExitCodeInTheTrampoline) {
  Arena arena;
  SiteScan scan = arena.install(bytes({
      0x31, 0xc0,        // 0: xor eax, eax
      0x48, 0xff, 0xc0,  // 2: L: inc rax
      0x74, 0x02,        // 5: je 9 (never taken; a target inside any backward range)
      0xff, 0xcf,        // 7: dec edi
      0x75, 0xf7,        // 9: jne L    forward range: jne + mov
      0x48, 0x89, 0xc2,  // b: mov rdx, rax
      0x48, 0x01, 0xd0,  // e: add rax, rdx
      0xc3,              // 11: ret
  }));
  ASSERT_EQ(scan.sites.size(), 1u);
  EXPECT_EQ(scan.sites[0].patch_start, scan.sites[0].address);
  EXPECT_EQ(arena.call(40), 80u);
  EXPECT_EQ(arena.ticks(), 39u);
}

TEST(TicksExec, FlagsSurviveTheTick) {
  // Each iteration adds the arithmetic flags the back-edge left (pushfq at its target).
  const std::vector<uint8_t> code = bytes({
      0x31, 0xc0,                          // 0: xor eax, eax
      0x9c,                                // 2: L: pushfq
      0x5a,                                // 3: pop rdx
      0x81, 0xe2, 0xd5, 0x08, 0x00, 0x00,  // 4: and edx, CF|PF|AF|ZF|SF|OF
      0x48, 0x01, 0xd0,                    // a: add rax, rdx
      0xff, 0xcf,                          // d: dec edi
      0xf9,                                // f: stc
      0x75, 0xf0,                          // 10: jne L
      0xc3,                                // 12: ret
  });
  Arena native;
  native.load(code);
  const uint64_t expected = native.call(50);
  Arena arena;
  arena.install(code);
  EXPECT_EQ(arena.call(50), expected);
  EXPECT_EQ(arena.ticks(), 49u);
}

struct TrapRecord {
  int hits = 0;
  uint64_t rip = 0, rdi = 0, countdown = 1;
  CounterBlock* block = nullptr;
};
TrapRecord g_trap;

void on_sigtrap(int, siginfo_t*, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  g_trap.hits++;
  g_trap.rip = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
  g_trap.rdi = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RDI]);
  g_trap.countdown = g_trap.block->countdown;
  // Returning runs on from the int3; the countdown goes on below zero and never traps again.
}

// The same sum with the flags live at L (the long form of the tick, trampoline.h).
const std::vector<uint8_t> kSumLoopLiveFlags = bytes({
    0x31, 0xc0,              // 0: xor eax, eax
    0x48, 0x8d, 0x04, 0x38,  // 2: L: lea rax, [rax + rdi]
    0x48, 0xff, 0xcf,        // 6: dec rdi
    0x75, 0xf7,              // 9: jne L
    0xc3,                    // b: ret
});

class ArmedInterrupt : public ::testing::TestWithParam<bool> {};

TEST_P(ArmedInterrupt, StopsExactlyAtTheTarget) {
  const bool flags_dead = GetParam();
  const std::vector<uint8_t>& code = flags_dead ? kSumLoop : kSumLoopLiveFlags;
  Arena arena;
  SiteScan scan = arena.install(code);
  ASSERT_EQ(scan.sites.size(), 1u);
  ASSERT_EQ(scan.sites[0].flags_dead, flags_dead);
  LocalBlock memory(arena.block());
  SoftTickSource source(memory);
  ASSERT_TRUE(source.switch_in().ok());
  ASSERT_TRUE(source.arm(Ticks(100)).ok());

  g_trap = TrapRecord{};
  g_trap.block = arena.block();
  struct sigaction sa {}, old {};
  sa.sa_sigaction = on_sigtrap;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGTRAP, &sa, &old), 0);
  uint64_t result = arena.call(1000);
  sigaction(SIGTRAP, &old, nullptr);

  EXPECT_EQ(result, 500500u);
  EXPECT_EQ(g_trap.hits, 1);
  EXPECT_EQ(g_trap.countdown, 0u);
  EXPECT_EQ(g_trap.rdi, 1000u - 100u);  // the 100th back-edge: rdi after 100 decrements
  EXPECT_TRUE(arena.map().is_interrupt(RemoteAddr(g_trap.rip)));
  auto where = arena.map().lookup(RemoteAddr(g_trap.rip));
  ASSERT_TRUE(where);
  EXPECT_EQ(where->region, TrampolineRegion::kInterrupt);
  EXPECT_EQ(where->original.addr(), arena.address(2));  // at L, the back-edge's target
  EXPECT_EQ(source.read()->value(), 999u);
}

INSTANTIATE_TEST_SUITE_P(TicksExec, ArmedInterrupt, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "FlagsDead" : "FlagsLive"; });

// Each thread's block at gs:0: the trampolines count wherever gs points.
TEST(TicksExec, PerThreadBlockThroughGs) {
  Arena arena;
  arena.per_thread = true;
  arena.install(kSumLoop);
  CounterBlock mine{kUnarmedCountdown, 0};
  ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_SET_GS, &mine), 0);
  uint64_t result = arena.call(300);
  ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_SET_GS, 0), 0);
  EXPECT_EQ(result, 45150u);
  EXPECT_EQ((kUnarmedCountdown - mine.countdown) / kCountdownStep, 299u);
  EXPECT_EQ(arena.ticks(), 0u);  // the shared block saw nothing
}

TEST(TicksExec, CounterBlockBelow2GiB) {
  void* low = mmap(reinterpret_cast<void*>(0x20000000), 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (low == MAP_FAILED || low != reinterpret_cast<void*>(0x20000000)) {
    if (low != MAP_FAILED) munmap(low, 4096);
    GTEST_SKIP() << "0x20000000 is taken in this process";
  }
  {
    Arena arena(static_cast<CounterBlock*>(low));
    const uint64_t distance = arena.address() - 0x20000000;
    if (distance < (uint64_t{1} << 31)) GTEST_SKIP() << "the arena is within rel32 of the block";
    arena.install(kSumLoop);
    EXPECT_EQ(arena.call(300), 45150u);
    EXPECT_EQ(arena.ticks(), 299u);
  }
  munmap(low, 4096);
}

}  // namespace
}  // namespace ebb::ticks
