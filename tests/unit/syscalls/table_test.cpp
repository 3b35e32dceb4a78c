// The table as a whole: names, lookups, policies, the generic row shapes.
#include <asm/unistd_64.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engine/syscalls/table.h"
#include "fake_memory.h"

namespace ebb::syscalls {
namespace {

using testing::FakeMemory;
using testing::make_call;
using testing::no_memory;

TEST(SyscallName, KnownNumbers) {
  EXPECT_EQ(syscall_name(0), "read");
  EXPECT_EQ(syscall_name(__NR_rt_sigaction), "rt_sigaction");
  EXPECT_EQ(syscall_name(__NR_io_uring_setup), "io_uring_setup");
  // Named even though ebb has no row for it.
  EXPECT_EQ(find_syscall(__NR_kexec_load), nullptr);
  EXPECT_EQ(syscall_name(__NR_kexec_load), "kexec_load");
}

TEST(SyscallName, UnknownNumbers) {
  EXPECT_EQ(syscall_name(999), "syscall_999");
  EXPECT_EQ(syscall_name(-1), "syscall_-1");
  EXPECT_EQ(syscall_name(1 << 20), "syscall_1048576");
}

TEST(Table, EveryRowAgreesWithTheGeneratedNames) {
  std::set<int> seen;
  for (const SyscallSpec& row : all_syscalls()) {
    EXPECT_EQ(syscall_name(row.nr), row.name) << "row " << row.name << " has nr " << row.nr;
    EXPECT_TRUE(seen.insert(row.nr).second) << "two rows for " << row.name;
    EXPECT_EQ(find_syscall(row.nr), &row);
  }
}

TEST(Table, CoversTheSyscallsEbbPromises) {
  const char* const required[] = {
      "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev",
      "preadv2", "pwritev2", "lseek", "open", "openat", "openat2", "close", "close_range",
      "creat", "access", "faccessat", "faccessat2", "stat", "fstat", "lstat", "newfstatat",
      "statx", "statfs", "fstatfs", "getdents64", "dup", "dup2", "dup3", "fcntl", "ioctl",
      "pipe", "pipe2", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename",
      "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "readlink",
      "readlinkat", "chmod", "fchmod", "fchmodat", "chown", "fchown", "fchownat", "lchown",
      "truncate", "ftruncate", "fsync", "fdatasync", "sync", "flock", "fallocate",
      "fadvise64", "utimensat", "umask", "chdir", "fchdir", "getcwd", "getxattr",
      "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "poll", "ppoll",
      "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
      "eventfd2", "mmap", "munmap", "mprotect", "mremap", "brk", "madvise", "msync", "mlock",
      "munlock", "mincore", "getrandom", "clock_gettime", "clock_getres", "gettimeofday",
      "time", "nanosleep", "clock_nanosleep", "getitimer", "setitimer", "alarm", "times",
      "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
      "getresgid", "getgroups", "setuid", "setgid", "setpgid", "getpgid", "getpgrp",
      "getsid", "setsid", "uname", "sysinfo", "prlimit64", "getrlimit", "setrlimit",
      "getrusage", "getpriority", "setpriority", "sched_yield", "sched_getaffinity",
      "sched_setaffinity", "sched_getparam", "sched_getscheduler", "getcpu", "rt_sigaction",
      "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait", "rt_sigsuspend",
      "sigaltstack", "kill", "tgkill", "tkill", "pause", "arch_prctl", "prctl",
      "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "exit", "exit_group",
      "execve", "execveat", "wait4", "waitid", "socket", "socketpair", "connect", "bind",
      "listen", "accept", "accept4", "sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown",
      "getsockname", "getpeername", "setsockopt", "getsockopt", "memfd_create", "membarrier",
      "restart_syscall", "futex", "capget", "personality", "inotify_init1",
      "inotify_add_watch", "inotify_rm_watch", "timerfd_create", "timerfd_settime",
      "timerfd_gettime", "signalfd4", "clone3", "io_uring_setup",
  };
  std::set<std::string> names;
  for (const SyscallSpec& row : all_syscalls()) names.insert(row.name);
  for (const char* name : required) EXPECT_TRUE(names.count(name)) << "no row for " << name;
}

TEST(Table, ReplayPolicies) {
  auto policy = [](int nr) { return find_syscall(nr)->policy; };
  for (int nr : {__NR_rt_sigaction, __NR_rt_sigprocmask, __NR_rt_sigreturn, __NR_sigaltstack,
                 __NR_munmap, __NR_mprotect, __NR_madvise, __NR_arch_prctl}) {
    EXPECT_EQ(policy(nr), ReplayPolicy::kExecute) << syscall_name(nr);
  }
  for (int nr : {__NR_mmap, __NR_mremap, __NR_brk}) {
    EXPECT_EQ(policy(nr), ReplayPolicy::kMemory) << syscall_name(nr);
  }
  EXPECT_EQ(policy(__NR_execve), ReplayPolicy::kExec);
  EXPECT_EQ(policy(__NR_execveat), ReplayPolicy::kExec);
  EXPECT_EQ(policy(__NR_exit), ReplayPolicy::kExit);
  EXPECT_EQ(policy(__NR_exit_group), ReplayPolicy::kExit);
  for (int nr : {__NR_rseq, __NR_io_uring_setup}) {
    EXPECT_EQ(policy(nr), ReplayPolicy::kForceFail) << syscall_name(nr);
  }
  for (int nr : {__NR_clone, __NR_clone3, __NR_fork, __NR_vfork}) {
    EXPECT_EQ(policy(nr), ReplayPolicy::kSpawn) << syscall_name(nr);
  }
  for (int nr : {__NR_read, __NR_msync, __NR_mlock, __NR_munlock, __NR_openat, __NR_ioctl}) {
    EXPECT_EQ(policy(nr), ReplayPolicy::kEmulate) << syscall_name(nr);
  }
}

TEST(CheckEntry, NoRowIsRefusedWithTheName) {
  auto status = check_entry(make_call(__NR_kexec_load, {}));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kUnsupported);
  EXPECT_EQ(status.error().message,
            "syscall kexec_load (" + std::to_string(__NR_kexec_load) + ") is not supported yet");
  EXPECT_EQ(check_entry(make_call(999, {})).error().message,
            "syscall syscall_999 (999) is not supported yet");
}

TEST(CheckEntry, PlainRowsPass) {
  EXPECT_TRUE(check_entry(make_call(__NR_read, {0, 0, 0})).ok());
  EXPECT_TRUE(check_entry(make_call(__NR_rseq, {})).ok());  // the caller forces ENOSYS
}

TEST(OutRanges, NoRowIsAnError) {
  auto ranges = out_ranges(make_call(__NR_kexec_load, {}), no_memory());
  ASSERT_FALSE(ranges.ok());
  EXPECT_EQ(ranges.error().kind, ErrorKind::kUnsupported);
}

TEST(OutRanges, ReadRecordsTheBytesItReturned) {
  uint64_t buf = 0x1000;
  auto ranges = out_ranges(make_call(__NR_read, {3, buf, 4096}, 17), no_memory());
  ASSERT_TRUE(ranges.ok());
  EXPECT_EQ(*ranges, (std::vector<MemRange>{{buf, 17}}));
  // End of file: nothing written.
  EXPECT_TRUE(out_ranges(make_call(__NR_read, {3, buf, 4096}, 0), no_memory())->empty());
}

TEST(OutRanges, FailedCallsWriteNothing) {
  for (int64_t err : {-1, -4, -14, -4095}) {
    EXPECT_TRUE(out_ranges(make_call(__NR_read, {3, 0x1000, 64}, err), no_memory())->empty());
    EXPECT_TRUE(out_ranges(make_call(__NR_fstat, {3, 0x1000}, err), no_memory())->empty());
    EXPECT_TRUE(
        out_ranges(make_call(__NR_epoll_wait, {5, 0x1000, 8, 0}, err), no_memory())->empty());
  }
}

TEST(OutRanges, FixedSizes) {
  auto one = [](int nr, std::array<uint64_t, 6> args) {
    return *out_ranges(make_call(nr, args, 0), no_memory());
  };
  EXPECT_EQ(one(__NR_fstat, {3, 0x1000}), (std::vector<MemRange>{{0x1000, 144}}));
  EXPECT_EQ(one(__NR_newfstatat, {3, 0x2000, 0x1000, 0}), (std::vector<MemRange>{{0x1000, 144}}));
  EXPECT_EQ(one(__NR_statx, {3, 0x2000, 0, 0x7ff, 0x1000}), (std::vector<MemRange>{{0x1000, 256}}));
  EXPECT_EQ(one(__NR_statfs, {0x2000, 0x1000}), (std::vector<MemRange>{{0x1000, 120}}));
  EXPECT_EQ(one(__NR_uname, {0x1000}), (std::vector<MemRange>{{0x1000, 390}}));
  EXPECT_EQ(one(__NR_sysinfo, {0x1000}), (std::vector<MemRange>{{0x1000, 112}}));
  EXPECT_EQ(one(__NR_getrusage, {0, 0x1000}), (std::vector<MemRange>{{0x1000, 144}}));
  EXPECT_EQ(one(__NR_prlimit64, {0, 7, 0, 0x1000}), (std::vector<MemRange>{{0x1000, 16}}));
  EXPECT_EQ(one(__NR_clock_gettime, {1, 0x1000}), (std::vector<MemRange>{{0x1000, 16}}));
  EXPECT_EQ(one(__NR_pipe2, {0x1000, 0}), (std::vector<MemRange>{{0x1000, 8}}));
  EXPECT_EQ(one(__NR_getresuid, {0x1000, 0x1004, 0x1008}),
            (std::vector<MemRange>{{0x1000, 4}, {0x1004, 4}, {0x1008, 4}}));
  // Optional out pointers left NULL are skipped.
  EXPECT_EQ(one(__NR_gettimeofday, {0x1000, 0}), (std::vector<MemRange>{{0x1000, 16}}));
  EXPECT_TRUE(one(__NR_time, {0}).empty());
  EXPECT_EQ(one(__NR_sigaltstack, {0, 0x1000}), (std::vector<MemRange>{{0x1000, 24}}));
  EXPECT_EQ(one(__NR_rt_sigprocmask, {0, 0x2000, 0x1000, 8}),
            (std::vector<MemRange>{{0x1000, 8}}));
}

TEST(OutRanges, ResultSizedBuffers) {
  auto ranges = [](int nr, std::array<uint64_t, 6> args, int64_t result) {
    return *out_ranges(make_call(nr, args, result), no_memory());
  };
  EXPECT_EQ(ranges(__NR_epoll_wait, {5, 0x1000, 8, 0}, 3),
            (std::vector<MemRange>{{0x1000, 36}}));
  EXPECT_EQ(ranges(__NR_getdents64, {3, 0x1000, 4096}, 312),
            (std::vector<MemRange>{{0x1000, 312}}));
  EXPECT_EQ(ranges(__NR_getcwd, {0x1000, 4096}, 6), (std::vector<MemRange>{{0x1000, 6}}));
  EXPECT_EQ(ranges(__NR_sched_getaffinity, {0, 128, 0x1000}, 8),
            (std::vector<MemRange>{{0x1000, 8}}));
  EXPECT_EQ(ranges(__NR_readlinkat, {3, 0x2000, 0x1000, 256}, 11),
            (std::vector<MemRange>{{0x1000, 11}}));
}

TEST(OutRanges, GetgroupsWritesOnlyWithASize) {
  EXPECT_EQ(*out_ranges(make_call(__NR_getgroups, {32, 0x1000}, 3), no_memory()),
            (std::vector<MemRange>{{0x1000, 12}}));
  // getgroups(0, list) only counts.
  EXPECT_TRUE(out_ranges(make_call(__NR_getgroups, {0, 0x1000}, 3), no_memory())->empty());
}

TEST(OutRanges, XattrWithSizeZeroOnlyMeasures) {
  EXPECT_EQ(*out_ranges(make_call(__NR_getxattr, {0x2000, 0x3000, 0x1000, 64}, 9), no_memory()),
            (std::vector<MemRange>{{0x1000, 9}}));
  EXPECT_TRUE(
      out_ranges(make_call(__NR_getxattr, {0x2000, 0x3000, 0x1000, 0}, 9), no_memory())->empty());
  EXPECT_EQ(*out_ranges(make_call(__NR_flistxattr, {3, 0x1000, 256}, 20), no_memory()),
            (std::vector<MemRange>{{0x1000, 20}}));
  EXPECT_TRUE(out_ranges(make_call(__NR_flistxattr, {3, 0x1000, 0}, 20), no_memory())->empty());
}

TEST(OutRanges, Mincore) {
  // One byte per page, rounded up.
  EXPECT_EQ(*out_ranges(make_call(__NR_mincore, {0x400000, 3 * 4096 + 1, 0x1000}), no_memory()),
            (std::vector<MemRange>{{0x1000, 4}}));
  EXPECT_TRUE(
      out_ranges(make_call(__NR_mincore, {0x400000, 4096, 0x1000}, -12), no_memory())->empty());
}

TEST(CaptureEntry, IsEmptyForRowsThatNeedNothing) {
  FakeMemory mem;
  SyscallCall call = make_call(__NR_read, {3, FakeMemory::at(0), 16});
  capture_entry(call, mem.reader());
  EXPECT_TRUE(call.entry_values.empty());
  EXPECT_EQ(mem.reads(), 0);
}

}  // namespace
}  // namespace ebb::syscalls
