// Process, thread, signal and time handlers and entry checks.
#include <asm/prctl.h>
#include <asm/unistd_64.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/prctl.h>

#include <csignal>
#include <ctime>

#include "engine/syscalls/table.h"
#include "fake_memory.h"

namespace ebb::syscalls {
namespace {

using testing::FakeMemory;
using testing::make_call;
using testing::no_memory;
using Ranges = std::vector<MemRange>;

std::string refusal(const SyscallCall& call) {
  auto status = check_entry(call);
  if (status.ok()) return "(accepted)";
  EXPECT_EQ(status.error().kind, ErrorKind::kUnsupported);
  return status.error().message;
}

TEST(Wait4, StatusAndRusageWhenAChildWasReaped) {
  EXPECT_EQ(*out_ranges(make_call(__NR_wait4, {-1ull, 0x1000, 0, 0x2000}, 1234), no_memory()),
            (Ranges{{0x1000, 4}, {0x2000, 144}}));
  // WNOHANG with nothing to reap, and ECHILD.
  EXPECT_TRUE(
      out_ranges(make_call(__NR_wait4, {-1ull, 0x1000, 1, 0x2000}, 0), no_memory())->empty());
  EXPECT_TRUE(
      out_ranges(make_call(__NR_wait4, {-1ull, 0x1000, 0, 0x2000}, -10), no_memory())->empty());
}

TEST(Waitid, SiginfoFieldsAlwaysRusageOnlyForAReapedChild) {
  FakeMemory mem;
  uint64_t info = FakeMemory::at(0);
  mem.put<int32_t>(info, SIGCHLD);
  EXPECT_EQ(*out_ranges(make_call(__NR_waitid, {0, 0, info, 4, 0x2000}, 0), mem.reader()),
            (Ranges{{info, 12}, {info + 16, 12}, {0x2000, 144}}));
  // ECHILD: the kernel still stores the (zeroed) fields, but no rusage.
  mem.put<int32_t>(info, 0);
  EXPECT_EQ(*out_ranges(make_call(__NR_waitid, {0, 0, info, 4, 0x2000}, -10), mem.reader()),
            (Ranges{{info, 12}, {info + 16, 12}}));
  // WNOHANG with nothing to reap: result 0, si_signo 0, no rusage.
  EXPECT_EQ(*out_ranges(make_call(__NR_waitid, {0, 0, info, 5, 0x2000}, 0), mem.reader()),
            (Ranges{{info, 12}, {info + 16, 12}}));
}

TEST(Capget, DataStructsByVersion) {
  FakeMemory mem;
  uint64_t hdr = FakeMemory::at(0);
  mem.put<uint32_t>(hdr, _LINUX_CAPABILITY_VERSION_3);
  SyscallCall call = make_call(__NR_capget, {hdr, 0x1000}, 0);
  capture_entry(call, mem.reader());
  EXPECT_EQ(*out_ranges(call, mem.reader()), (Ranges{{0x1000, 24}}));
  mem.put<uint32_t>(hdr, _LINUX_CAPABILITY_VERSION_1);
  capture_entry(call, mem.reader());
  EXPECT_EQ(*out_ranges(call, mem.reader()), (Ranges{{0x1000, 12}}));
}

TEST(Capget, VersionProbeStoresTheKernelsVersion) {
  FakeMemory mem;
  uint64_t hdr = FakeMemory::at(0);
  mem.put<uint32_t>(hdr, 0);
  SyscallCall probe = make_call(__NR_capget, {hdr, 0}, 0);
  capture_entry(probe, mem.reader());
  mem.put<uint32_t>(hdr, _LINUX_CAPABILITY_VERSION_3);
  EXPECT_EQ(*out_ranges(probe, mem.reader()), (Ranges{{hdr, 4}}));
  // With a data pointer the unknown version fails with EINVAL, data untouched.
  SyscallCall bad = make_call(__NR_capget, {hdr, 0x1000}, -22);
  mem.put<uint32_t>(hdr, 0);
  capture_entry(bad, mem.reader());
  EXPECT_EQ(*out_ranges(bad, mem.reader()), (Ranges{{hdr, 4}}));
}

TEST(Prctl, OutputsAndRefusals) {
  EXPECT_EQ(*out_ranges(make_call(__NR_prctl, {PR_GET_NAME, 0x1000}), no_memory()),
            (Ranges{{0x1000, 16}}));
  EXPECT_EQ(*out_ranges(make_call(__NR_prctl, {PR_GET_PDEATHSIG, 0x1000}), no_memory()),
            (Ranges{{0x1000, 4}}));
  EXPECT_TRUE(out_ranges(make_call(__NR_prctl, {PR_SET_NAME, 0x1000}), no_memory())->empty());
  // PR_GET_AUXV returns the full size but copies at most arg3 bytes.
  EXPECT_EQ(*out_ranges(make_call(__NR_prctl, {0x41555856, 0x1000, 64}, 368), no_memory()),
            (Ranges{{0x1000, 64}}));
  EXPECT_EQ(refusal(make_call(__NR_prctl, {PR_SET_NAME, 0x1000})), "(accepted)");
  EXPECT_EQ(refusal(make_call(__NR_prctl, {PR_SET_SECCOMP, 2, 0x1000})),
            "prctl option 22 (PR_SET_SECCOMP) is not supported yet");
  EXPECT_EQ(refusal(make_call(__NR_prctl, {9999})), "prctl option 9999 is not supported yet");
}

TEST(ArchPrctl, FsAndGsButNotCpuid) {
  EXPECT_EQ(refusal(make_call(__NR_arch_prctl, {ARCH_SET_FS, 0x7000})), "(accepted)");
  EXPECT_EQ(refusal(make_call(__NR_arch_prctl, {ARCH_GET_GS, 0x1000})), "(accepted)");
  EXPECT_EQ(refusal(make_call(__NR_arch_prctl, {ARCH_SET_CPUID, 0})),
            "arch_prctl ARCH_SET_CPUID is not supported (ebb uses CPUID faulting itself)");
  EXPECT_EQ(refusal(make_call(__NR_arch_prctl, {ARCH_MAP_VDSO_64, 0x1000})),
            "arch_prctl code 0x2003 (ARCH_MAP_VDSO_64) is not supported yet");
  EXPECT_EQ(*out_ranges(make_call(__NR_arch_prctl, {ARCH_GET_FS, 0x1000}), no_memory()),
            (Ranges{{0x1000, 8}}));
  EXPECT_TRUE(out_ranges(make_call(__NR_arch_prctl, {ARCH_SET_FS, 0x1000}), no_memory())->empty());
}

TEST(NewTasks, ThreadsForksAndVforksAreRecorded) {
  uint64_t thread_flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                          CLONE_SYSVSEM | CLONE_SETTLS;
  EXPECT_TRUE(check_entry(make_call(__NR_clone, {thread_flags})).ok());
  EXPECT_TRUE(check_entry(make_call(__NR_clone, {SIGCHLD})).ok());
  EXPECT_TRUE(check_entry(make_call(__NR_clone, {CLONE_VM | CLONE_VFORK | SIGCHLD})).ok());
  EXPECT_TRUE(check_entry(make_call(__NR_vfork, {})).ok());
  EXPECT_TRUE(check_entry(make_call(__NR_fork, {})).ok());
  EXPECT_EQ(find_syscall(__NR_clone)->policy, ReplayPolicy::kSpawn);
}

TEST(NewTasks, SharedMemoryProcessesAndNamespacesAreRefused) {
  EXPECT_EQ(refusal(make_call(__NR_clone, {CLONE_VM | SIGCHLD})),
            "syscall clone with CLONE_VM but neither CLONE_THREAD nor CLONE_VFORK is not supported");
  EXPECT_NE(refusal(make_call(__NR_clone, {CLONE_NEWPID | SIGCHLD})).find("namespace"), std::string::npos);
}

TEST(Futex, WaitsWakesAndRequeues) {
  for (uint64_t op : {FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE,
                      FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, FUTEX_WAKE_BITSET_PRIVATE}) {
    EXPECT_EQ(refusal(make_call(__NR_futex, {0x1000, op, 1})), "(accepted)") << op;
    EXPECT_TRUE(out_ranges(make_call(__NR_futex, {0x1000, op, 1}), no_memory())->empty());
  }
  EXPECT_EQ(refusal(make_call(__NR_futex, {0x1000, FUTEX_WAKE_OP_PRIVATE, 1})), "(accepted)");
  auto wake_op = make_call(__NR_futex, {0x1000, FUTEX_WAKE_OP_PRIVATE, 1, 0, 0x2000});
  wake_op.result = 1;
  EXPECT_EQ(*out_ranges(wake_op, no_memory()), (Ranges{{0x2000, 4}}));
  EXPECT_EQ(refusal(make_call(__NR_futex, {0x1000, FUTEX_LOCK_PI, 1})),
            "futex operation FUTEX_LOCK_PI (6) is not supported yet");
  EXPECT_EQ(refusal(make_call(__NR_futex, {0x1000, 99, 1})),
            "futex operation 99 is not supported yet");
}

TEST(RtSigaction, OldActionIsTheKernelStructWithTheMaskSize) {
  EXPECT_EQ(*out_ranges(make_call(__NR_rt_sigaction, {SIGINT, 0x2000, 0x1000, 8}), no_memory()),
            (Ranges{{0x1000, 32}}));
  EXPECT_TRUE(
      out_ranges(make_call(__NR_rt_sigaction, {SIGINT, 0x2000, 0, 8}), no_memory())->empty());
  EXPECT_TRUE(out_ranges(make_call(__NR_rt_sigaction, {SIGINT, 0x2000, 0x1000, 16}, -22),
                         no_memory())
                  ->empty());
}

TEST(Sleeps, RemainingTimeOnlyWhenInterrupted) {
  EXPECT_TRUE(out_ranges(make_call(__NR_nanosleep, {0x2000, 0x1000}, 0), no_memory())->empty());
  EXPECT_EQ(*out_ranges(make_call(__NR_nanosleep, {0x2000, 0x1000}, -516), no_memory()),
            (Ranges{{0x1000, 16}}));
  EXPECT_EQ(*out_ranges(make_call(__NR_nanosleep, {0x2000, 0x1000}, -4), no_memory()),
            (Ranges{{0x1000, 16}}));
  EXPECT_TRUE(out_ranges(make_call(__NR_nanosleep, {0x2000, 0}, -4), no_memory())->empty());
  EXPECT_EQ(*out_ranges(make_call(__NR_clock_nanosleep, {CLOCK_MONOTONIC, 0, 0x2000, 0x1000}, -516),
                        no_memory()),
            (Ranges{{0x1000, 16}}));
  // An absolute sleep never stores the remaining time.
  EXPECT_TRUE(out_ranges(make_call(__NR_clock_nanosleep,
                                   {CLOCK_MONOTONIC, TIMER_ABSTIME, 0x2000, 0x1000}, -514),
                         no_memory())
                  ->empty());
}

TEST(RestartSyscall, WritesWhatTheInterruptedCallWould) {
  SyscallCall call = make_call(__NR_restart_syscall, {0x2000, 0x1000}, -516);
  call.restarted_nr = __NR_nanosleep;
  EXPECT_TRUE(check_entry(call).ok());
  EXPECT_EQ(*out_ranges(call, no_memory()), (Ranges{{0x1000, 16}}));
  SyscallCall poll = make_call(__NR_restart_syscall, {0x3000, 2, 1000}, 1);
  poll.restarted_nr = __NR_poll;
  EXPECT_EQ(*out_ranges(poll, no_memory()), (Ranges{{0x3000, 16}}));
  SyscallCall unknown = make_call(__NR_restart_syscall, {}, 0);
  auto ranges = out_ranges(unknown, no_memory());
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.error().kind, ErrorKind::kBadInput);
}

}  // namespace
}  // namespace ebb::syscalls
