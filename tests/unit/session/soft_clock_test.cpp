// The soft clock in real tracees: a child forked from this test binary stops at marker syscalls;
// the test maps the counter block, patches the child's code (this binary's text, and libc), runs
// it on, and checks the count against the loop back-edges the child took, its results against
// the same code run here unpatched, and record against replay (the same digest and count).
#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "engine/ptrace/tracee.h"
#include "engine/session/soft_clock.h"

// ebb_soft_clock_test_lcg(x, rounds): `rounds` (>= 1) steps of a multiply-add-rotate. Its only
// back-edge, `dec rcx; jnz 1b` (5 bytes that end with the branch, nothing jumps inside), is a
// kJump site; it is taken rounds - 1 times. Nothing calls it directly (only through a pointer),
// so its entry is no tick site.
asm(R"(
    .text
    .globl ebb_soft_clock_test_lcg
    .type ebb_soft_clock_test_lcg, @function
ebb_soft_clock_test_lcg:
    movq %rdi, %rax
    movq %rsi, %rcx
    movabsq $6364136223846793005, %rdx
1:  imulq %rdx, %rax
    addq $1442695, %rax
    rolq $17, %rax
    .globl ebb_soft_clock_test_back_edge
ebb_soft_clock_test_back_edge:
    decq %rcx
    jnz 1b
    ret
    .size ebb_soft_clock_test_lcg, .-ebb_soft_clock_test_lcg
)");
extern "C" uint64_t ebb_soft_clock_test_lcg(uint64_t x, uint64_t rounds);
extern "C" const uint8_t ebb_soft_clock_test_back_edge[];

namespace ebb::session {
namespace {

using ptrace::StopKind;
using ptrace::Tracee;

constexpr long kOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACEFORK;
constexpr uint64_t kSeed = 0x1234, kRounds = 100000, kParentRounds = 3000, kChildRounds = 7000;

uint64_t (*volatile g_lcg)(uint64_t, uint64_t) = ebb_soft_clock_test_lcg;
volatile uint64_t g_lcg_result = 0;
volatile uint64_t g_compiled_result = 0;

// Raw syscalls: no libc call (no PLT stub, no tick) around the counted code.
void marker(uint64_t id) {
  long nr = SYS_getppid;
  asm volatile("syscall" : "+a"(nr) : "D"(id) : "rcx", "r11", "memory");
}
long raw_fork() {
  long nr = SYS_fork;
  asm volatile("syscall" : "+a"(nr) : : "rcx", "r11", "memory");
  return nr;
}
[[noreturn]] void raw_exit() {
  asm volatile("syscall" : : "a"(SYS_exit_group), "D"(0) : "rcx", "r11", "memory");
  __builtin_unreachable();
}

__attribute__((noinline)) uint64_t fib(uint64_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) uint64_t collatz_steps(uint64_t n) {
  uint64_t steps = 0;
  while (n != 1) {
    n = (n & 1) ? 3 * n + 1 : n / 2;
    ++steps;
  }
  return steps;
}

int compare_ints(const void* a, const void* b) {
  const int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
  return (x > y) - (x < y);
}

// Compiled code of this binary, and libc (qsort, snprintf, strlen).
__attribute__((noinline)) uint64_t compiled_work() {
  int v[200];
  uint32_t seed = 7;
  for (int& x : v) x = static_cast<int>((seed = seed * 1103515245u + 12345u) >> 8);
  qsort(v, 200, sizeof v[0], compare_ints);
  char text[64] = {};
  snprintf(text, sizeof text, "%d/%d/%llu", v[0], v[199], static_cast<unsigned long long>(fib(18)));
  uint64_t sum = strlen(text);
  for (int x : v) sum = sum * 31 + static_cast<uint32_t>(x);
  for (char c : text) sum = sum * 131 + static_cast<uint8_t>(c);
  return sum + collatz_steps(27) + collatz_steps(97);
}

// The child: between markers 1 and 2 only the loop's back-edges tick.
void child_program(void*) {
  marker(1);
  g_lcg_result = g_lcg(kSeed, kRounds);
  marker(2);
  g_compiled_result = compiled_work();
  marker(3);
  const long pid = raw_fork();
  g_lcg_result = g_lcg(g_lcg_result, pid == 0 ? kChildRounds : kParentRounds);
  marker(4);
  raw_exit();
}

template <typename T>
T read_var(Tracee& t, const volatile T& var) {
  T v{};
  EXPECT_TRUE(t.read(RemoteAddr(reinterpret_cast<uint64_t>(&var)), &v, sizeof v).ok());
  return v;
}

// A traced copy of this process running child_program; killed at the end.
class Child {
 public:
  Child() {
    auto pid = ptrace::fork_stopped_child(nullptr, child_program, nullptr, kOptions);
    EXPECT_TRUE(pid.ok()) << pid.error().message;
    t_.emplace(pid.ok() ? *pid : -1);
  }
  explicit Child(pid_t forked) { t_.emplace(forked); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (!t_ || t_->pid() <= 0) return;
    t_->kill();
    for (int i = 0; i < 100; ++i) {
      auto stop = t_->wait();
      if (!stop.ok() || stop->kind == StopKind::kExited || stop->kind == StopKind::kKilled) break;
    }
  }
  Tracee& t() { return *t_; }

  // Runs to the exit stop of marker `id`; returns the pid of a child forked on the way, if any.
  pid_t run_to(uint64_t id) {
    pid_t forked = 0;
    int sig = 0;
    for (int stops = 0; stops < 1000; ++stops) {
      EXPECT_TRUE(t_->resume_syscall(sig).ok());
      sig = 0;
      auto stop = t_->wait();
      EXPECT_TRUE(stop.ok());
      if (!stop.ok() || stop->kind == StopKind::kExited || stop->kind == StopKind::kKilled) {
        ADD_FAILURE() << "the child ended before marker " << id;
        return forked;
      }
      if (stop->kind == StopKind::kSignal) sig = stop->sig;
      if (stop->kind == StopKind::kEvent && stop->event == PTRACE_EVENT_FORK) {
        forked = static_cast<pid_t>(*t_->event_msg());
      }
      if (stop->kind != StopKind::kSyscall || *t_->syscall_phase() != ptrace::SyscallPhase::kEntry) continue;
      auto regs = t_->regs();
      if (regs->orig_rax != SYS_getppid || regs->rdi != id) continue;
      EXPECT_TRUE(t_->resume_syscall(0).ok());
      auto exit = t_->wait();
      EXPECT_TRUE(exit.ok() && exit->kind == StopKind::kSyscall);
      return forked;
    }
    ADD_FAILURE() << "marker " << id << " never came";
    return forked;
  }

 private:
  std::optional<Tracee> t_;
};

std::unique_ptr<SoftClock> create(Tracee& t, std::optional<uint64_t> at = std::nullopt) {
  auto clock = SoftClock::create(t, at);
  EXPECT_TRUE(clock.ok()) << clock.error().message;
  return clock.ok() ? std::move(*clock) : nullptr;
}

// The executable mapping of this binary that holds the test loop.
std::pair<uint64_t, uint64_t> main_code(SoftClock& clock, Tracee& t) {
  const uint64_t loop = reinterpret_cast<uint64_t>(&ebb_soft_clock_test_lcg);
  auto code = clock.unpatched_code(t);
  EXPECT_TRUE(code.ok());
  for (const auto& [start, end] : *code) {
    if (loop >= start && loop < end) return {start, end};
  }
  ADD_FAILURE() << "the test loop is in no unpatched code mapping";
  return {0, 0};
}

TickPatchRecord patch(SoftClock& clock, Tracee& t, std::pair<uint64_t, uint64_t> code,
                      std::optional<uint64_t> at = std::nullopt) {
  auto r = clock.patch(t, code.first, code.second, at);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : TickPatchRecord{};
}

uint64_t ticks(SoftClock& clock, Tracee& t) {
  auto n = clock.ticks(t);
  EXPECT_TRUE(n.ok());
  return n.ok() ? *n : ~uint64_t{0};
}

// The jump patch over the test loop's back-edge.
const ticks::Patch* back_edge_patch(const SoftClock& clock, uint64_t code_start) {
  const uint64_t edge = reinterpret_cast<uint64_t>(ebb_soft_clock_test_back_edge);
  for (const ticks::Patch& p : clock.patches(code_start)) {
    if (edge >= p.address.addr() && edge < p.address.addr() + p.patched.size()) return &p;
  }
  return nullptr;
}

struct PatchedRun {
  TickPatchRecord record;
  uint64_t ticks_at_3 = 0;
};

// Record: a fresh child, the block and trampolines where SoftClock chooses; or replay: at `like`'s.
PatchedRun record_or_replay(const TickPatchRecord* like) {
  Child c;
  c.run_to(1);
  auto clock = create(c.t(), like ? std::optional(like->counter_block) : std::nullopt);
  if (!clock) return {};
  PatchedRun run;
  run.record = patch(*clock, c.t(), main_code(*clock, c.t()),
                     like ? std::optional(like->trampolines) : std::nullopt);
  c.run_to(3);
  run.ticks_at_3 = ticks(*clock, c.t());
  return run;
}

TEST(SoftClock, CountsEveryBackEdgeOfThePatchedLoopExactly) {
  Child c;
  c.run_to(1);
  auto clock = create(c.t());
  ASSERT_TRUE(clock);
  EXPECT_LT(clock->counter_block() + 4096, kCounterBlockLimit + 1);
  const auto code = main_code(*clock, c.t());
  const TickPatchRecord rec = patch(*clock, c.t(), code);
  EXPECT_GT(rec.jump_sites, 0u);
  EXPECT_EQ(rec.counter_block, clock->counter_block());
  EXPECT_NE(rec.trampolines, 0u);
  ASSERT_NE(back_edge_patch(*clock, code.first), nullptr) << "the loop's back-edge is a jump site";
  EXPECT_EQ(ticks(*clock, c.t()), 0u);

  c.run_to(2);
  EXPECT_EQ(ticks(*clock, c.t()), kRounds - 1);
  EXPECT_EQ(read_var(c.t(), g_lcg_result), g_lcg(kSeed, kRounds));
  c.run_to(3);
  EXPECT_GT(ticks(*clock, c.t()), kRounds - 1) << "compiled loops and calls tick too";
  EXPECT_EQ(read_var(c.t(), g_compiled_result), compiled_work());
}

TEST(SoftClock, TheSameProgramGetsTheSameDigestAndCount) {
  const PatchedRun first = record_or_replay(nullptr);
  const PatchedRun second = record_or_replay(nullptr);
  EXPECT_NE(first.record.digest, 0u);
  EXPECT_EQ(first.record, second.record);
  EXPECT_EQ(first.ticks_at_3, second.ticks_at_3);
}

TEST(SoftClock, ReplayPatchesAtTheRecordedAddresses) {
  const PatchedRun recorded = record_or_replay(nullptr);
  const PatchedRun replayed = record_or_replay(&recorded.record);
  EXPECT_EQ(replayed.record, recorded.record);
  EXPECT_EQ(replayed.ticks_at_3, recorded.ticks_at_3);

  Child c;
  c.run_to(1);
  const uint64_t code_page = reinterpret_cast<uint64_t>(&ebb_soft_clock_test_lcg) & ~uint64_t{4095};
  // Elsewhere than record chose: the clock is there, the trampolines differ (and so the digest).
  auto clock = create(c.t(), recorded.record.counter_block - 0x100000);
  ASSERT_TRUE(clock);
  EXPECT_EQ(clock->counter_block(), recorded.record.counter_block - 0x100000);
  auto taken = SoftClock::create(c.t(), clock->counter_block());
  ASSERT_FALSE(taken.ok()) << "the counter block's recorded page is taken";
  EXPECT_EQ(taken.error().kind, ErrorKind::kDivergence);
  const auto code = main_code(*clock, c.t());
  auto on_code = clock->patch(c.t(), code.first, code.second, code_page);
  ASSERT_FALSE(on_code.ok()) << "the trampolines' recorded place is taken";
  EXPECT_EQ(on_code.error().kind, ErrorKind::kDivergence);
  const TickPatchRecord moved = patch(*clock, c.t(), code, recorded.record.trampolines);
  EXPECT_EQ(moved.trampolines, recorded.record.trampolines);
  EXPECT_NE(moved.digest, recorded.record.digest);
  c.run_to(3);
  EXPECT_EQ(ticks(*clock, c.t()), recorded.ticks_at_3);
}

// counts_at: the patched loop and its trampolines are covered; code ebb did not patch is not.
TEST(SoftClock, CountsAtPatchedCodeAndTrampolinesOnly) {
  Child c;
  c.run_to(1);
  auto clock = create(c.t());
  ASSERT_TRUE(clock);
  const uint64_t loop = reinterpret_cast<uint64_t>(&ebb_soft_clock_test_lcg);
  EXPECT_FALSE(clock->counts_at(loop)) << "not patched yet";
  const auto code = main_code(*clock, c.t());
  const TickPatchRecord rec = patch(*clock, c.t(), code);
  EXPECT_TRUE(clock->counts_at(loop));
  EXPECT_TRUE(clock->counts_at(reinterpret_cast<uint64_t>(ebb_soft_clock_test_back_edge)));
  EXPECT_TRUE(clock->counts_at(rec.trampolines));
  EXPECT_FALSE(clock->counts_at(reinterpret_cast<uint64_t>(&c))) << "the stack";
  EXPECT_FALSE(clock->counts_at(code.second));
}

TEST(SoftClock, HidesPatchesAndMapsTrampolinePcsBack) {
  Child c;
  c.run_to(1);
  auto clock = create(c.t());
  ASSERT_TRUE(clock);
  const auto code = main_code(*clock, c.t());
  const TickPatchRecord rec = patch(*clock, c.t(), code);
  const ticks::Patch* p = back_edge_patch(*clock, code.first);
  ASSERT_NE(p, nullptr);
  const uint64_t at = p->address.addr() - 8;

  uint8_t seen[32];
  ASSERT_TRUE(c.t().read(RemoteAddr(at), seen, sizeof seen).ok());
  EXPECT_EQ(seen[8], 0xe9) << "the patch is a jmp rel32";
  EXPECT_NE(std::memcmp(seen, reinterpret_cast<const void*>(at), sizeof seen), 0);
  clock->hide(seen, at);
  EXPECT_EQ(std::memcmp(seen, reinterpret_cast<const void*>(at), sizeof seen), 0)
      << "hide() shows this binary's own bytes";

  int32_t rel = 0;
  std::memcpy(&rel, &p->patched[1], 4);
  const uint64_t entry = p->address.addr() + 5 + static_cast<int64_t>(rel);
  EXPECT_GE(entry, rec.trampolines);
  EXPECT_LT(entry, rec.trampolines + rec.trampolines_size);
  EXPECT_TRUE(clock->owns(entry));
  auto where = clock->lookup(entry);
  ASSERT_TRUE(where.has_value());
  EXPECT_EQ(where->original.addr(), p->address.addr()) << "the copy of `dec rcx`";
  EXPECT_GE(where->original.addr(), code.first);
  EXPECT_LT(where->original.addr(), code.second);
  EXPECT_EQ(clock->copy_of(p->address.addr()), std::optional<uint64_t>(entry));
  EXPECT_FALSE(clock->is_interrupt(entry));
  EXPECT_FALSE(clock->lookup(p->address.addr()).has_value()) << "original code is no trampoline";
}

TEST(SoftClock, AForkCopyCountsOnInTheForkedChild) {
  Child parent;
  parent.run_to(1);
  auto clock = create(parent.t());
  ASSERT_TRUE(clock);
  patch(*clock, parent.t(), main_code(*clock, parent.t()));
  parent.run_to(3);
  const uint64_t at_fork = ticks(*clock, parent.t());
  const uint64_t lcg_at_fork = read_var(parent.t(), g_lcg_result);
  const pid_t pid = parent.run_to(4);
  ASSERT_GT(pid, 0);
  Child child(pid);
  auto first = child.t().wait();  // its first stop (PTRACE_EVENT_STOP of an auto-attached child)
  ASSERT_TRUE(first.ok());
  std::unique_ptr<SoftClock> child_clock = clock->fork_copy();
  EXPECT_EQ(child_clock->counter_block(), clock->counter_block());
  EXPECT_EQ(child_clock->records(), clock->records());
  child.run_to(4);

  EXPECT_EQ(ticks(*clock, parent.t()), at_fork + kParentRounds - 1);
  EXPECT_EQ(ticks(*child_clock, child.t()), at_fork + kChildRounds - 1);
  EXPECT_EQ(read_var(child.t(), g_lcg_result), g_lcg(lcg_at_fork, kChildRounds));
  EXPECT_EQ(read_var(parent.t(), g_lcg_result), g_lcg(lcg_at_fork, kParentRounds));
}

// The smallest mapping of `code` that does not hold `avoid`.
std::pair<uint64_t, uint64_t> smallest_of(const std::vector<std::pair<uint64_t, uint64_t>>& code,
                                          uint64_t avoid = 0) {
  std::pair<uint64_t, uint64_t> best{0, UINT64_MAX};
  for (const auto& [start, end] : code) {
    if (avoid >= start && avoid < end) continue;
    if (end - start < best.second - best.first) best = {start, end};
  }
  return best;
}

TEST(SoftClock, ListsOnlyUnpatchedFileBackedCode) {
  Child c;  // in its first stop, a signal-delivery-stop (SIGCONT)
  auto clock = create(c.t());
  ASSERT_TRUE(clock);
  auto before = clock->unpatched_code(c.t());
  ASSERT_TRUE(before.ok());
  ASSERT_GE(before->size(), 3u) << "this binary, libc, ld.so at least";
  const uint64_t libc = reinterpret_cast<uint64_t>(&qsort);
  const uint64_t vdso = getauxval(AT_SYSINFO_EHDR);
  bool has_libc = false;
  for (const auto& [start, end] : *before) {
    has_libc |= libc >= start && libc < end;
    EXPECT_FALSE(vdso >= start && vdso < end) << "the vDSO is not patched";
  }
  EXPECT_TRUE(has_libc);
  const auto smallest = smallest_of(*before);

  const TickPatchRecord rec = patch(*clock, c.t(), smallest);
  auto after = clock->unpatched_code(c.t());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size() + 1, before->size());
  for (const auto& [start, end] : *after) {
    EXPECT_NE(start, smallest.first);
    EXPECT_FALSE(clock->owns(start));
  }
  auto again = clock->patch(c.t(), smallest.first, smallest.second, std::nullopt);
  ASSERT_FALSE(again.ok()) << "a mapping is patched once";
  EXPECT_EQ(again.error().kind, ErrorKind::kBadInput);
  EXPECT_EQ(clock->records(), std::vector<TickPatchRecord>{rec});
  c.run_to(2);
  EXPECT_EQ(read_var(c.t(), g_lcg_result), g_lcg(kSeed, kRounds)) << "registers were restored";
}

TEST(SoftClock, AReplayWithoutTrampolinesLeavesTheCodeAlone) {
  Child c;
  auto clock = create(c.t());
  ASSERT_TRUE(clock);
  auto code = clock->unpatched_code(c.t());
  ASSERT_TRUE(code.ok());
  const auto small = smallest_of(*code);
  std::vector<uint8_t> before(small.second - small.first), after(before.size());
  ASSERT_TRUE(c.t().read(RemoteAddr(small.first), before.data(), before.size()).ok());
  const TickPatchRecord rec = patch(*clock, c.t(), small, uint64_t{0});
  EXPECT_EQ(rec.trampolines, 0u);
  EXPECT_EQ(rec.trampolines_size, 0u);
  EXPECT_EQ(rec.jump_sites, 0u);
  EXPECT_GT(rec.trap_sites, 0u);
  EXPECT_TRUE(clock->patches(small.first).empty());
  ASSERT_TRUE(c.t().read(RemoteAddr(small.first), after.data(), after.size()).ok());
  EXPECT_EQ(before, after);
}

TEST(SoftClock, FindsAnotherSyscallInstructionWhenItsOwnIsGone) {
  Child c;
  c.run_to(1);
  auto clock = create(c.t());
  ASSERT_TRUE(clock);
  const uint64_t insn = ptrace::find_syscall_instruction(c.t());  // the one create() used
  ASSERT_NE(insn, 0u);
  uint8_t original[2];
  ASSERT_TRUE(c.t().read(RemoteAddr(insn), original, 2).ok());
  const uint8_t nops[2] = {0x90, 0x90};
  ASSERT_TRUE(c.t().write(RemoteAddr(insn), nops, 2).ok());
  auto code = clock->unpatched_code(c.t());
  ASSERT_TRUE(code.ok());
  const TickPatchRecord rec = patch(*clock, c.t(), smallest_of(*code, insn));
  EXPECT_NE(rec.trampolines, 0u) << "its region was mapped by an injected mmap";
  ASSERT_TRUE(c.t().write(RemoteAddr(insn), original, 2).ok());
  c.run_to(2);
  EXPECT_EQ(read_var(c.t(), g_lcg_result), g_lcg(kSeed, kRounds));
}

TEST(SoftClock, PatchedLibcComputesTheSame) {
  Child c;
  c.run_to(1);
  auto clock = create(c.t());
  ASSERT_TRUE(clock);
  const uint64_t libc = reinterpret_cast<uint64_t>(&qsort);
  auto code = clock->unpatched_code(c.t());
  ASSERT_TRUE(code.ok());
  TickPatchRecord libc_rec;
  for (const auto& [start, end] : *code) {
    if (libc < start || libc >= end) continue;
    const auto t0 = std::chrono::steady_clock::now();
    libc_rec = patch(*clock, c.t(), {start, end});
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("libc [%#lx, %#lx): %u jump sites, %u trap sites, %lu bytes of trampolines at %#lx, %.0f ms\n",
                start, end, libc_rec.jump_sites, libc_rec.trap_sites, libc_rec.trampolines_size,
                libc_rec.trampolines, ms);
  }
  EXPECT_GT(libc_rec.jump_sites, 10000u);
  c.run_to(2);
  EXPECT_EQ(ticks(*clock, c.t()), 0u) << "this binary's loop is not patched";
  c.run_to(3);
  EXPECT_GT(ticks(*clock, c.t()), 200u) << "qsort and snprintf tick in libc";
  EXPECT_EQ(read_var(c.t(), g_compiled_result), compiled_work());
}

// Every exec of a multi-process program patches libc again: from the second build of the same
// bytes on, the trampolines are kept, and a mapping of those bytes with its region as far away
// gets them moved rather than built. Nothing written changes: the same record, digest and count.
// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* v = getenv(name)) old_ = v;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(SoftClock, PatchedAgainReusesTheTrampolines) {
  ScopedEnv no_disk("EBB_CACHE_DIR", "off");  // the memory level alone
  SoftClock::forget_cached_scans();
  const uint64_t before = SoftClock::reused_trampolines();
  std::vector<PatchedRun> runs;
  for (int i = 0; i < 4; ++i) runs.push_back(record_or_replay(nullptr));
  EXPECT_EQ(SoftClock::reused_trampolines() - before, 2u) << "built twice, then moved";
  for (const PatchedRun& run : runs) {
    EXPECT_NE(run.record.digest, 0u);
    EXPECT_EQ(run.record, runs[0].record);
    EXPECT_EQ(run.ticks_at_3, runs[0].ticks_at_3);
  }
  const PatchedRun replayed = record_or_replay(&runs[0].record);
  EXPECT_EQ(replayed.record, runs[0].record);
  EXPECT_EQ(replayed.ticks_at_3, runs[0].ticks_at_3);
  EXPECT_EQ(SoftClock::reused_trampolines() - before, 3u);
}

// A new ebb process (the memory forgotten) takes the trampolines the disk kept for the same code
// at the same distance: the same patches, digest and count; a damaged file is rebuilt.
TEST(SoftClock, TrampolinesFromTheDiskAreTheOnesBuilt) {
  char tmpl[] = "/tmp/ebb-soft-clock-cache-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  ScopedEnv disk("EBB_CACHE_DIR", tmpl);
  SoftClock::forget_cached_scans();
  const uint64_t before = SoftClock::stored_trampolines_used();
  const PatchedRun built = record_or_replay(nullptr);
  EXPECT_EQ(SoftClock::stored_trampolines_used() - before, 0u);
  SoftClock::forget_cached_scans();
  const PatchedRun loaded = record_or_replay(nullptr);
  EXPECT_EQ(SoftClock::stored_trampolines_used() - before, 1u);
  EXPECT_EQ(loaded.record, built.record);
  EXPECT_EQ(loaded.ticks_at_3, built.ticks_at_3);
  size_t damaged = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(tmpl)) {
    if (e.path().extension() != ".trampolines") continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
    ++damaged;
  }
  EXPECT_GT(damaged, 0u);
  SoftClock::forget_cached_scans();
  const PatchedRun rebuilt = record_or_replay(nullptr);
  EXPECT_EQ(SoftClock::stored_trampolines_used() - before, 1u) << "a damaged file is not used";
  EXPECT_EQ(rebuilt.record, built.record);
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace ebb::session
