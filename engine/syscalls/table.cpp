// The syscall table: one row per syscall ebb records, grouped by family, and
// the lookups and generic out-buffer evaluation over it. A row names its
// out-buffers declaratively; a handler in the family file (handlers.h) adds
// what a row cannot describe. Argument indexes are 0-based.
#include <asm/unistd_64.h>

#include <array>

#include "engine/base/assert.h"
#include "engine/syscalls/handlers.h"

namespace ebb::syscalls {

namespace {

// --- Out-buffer shapes ---
constexpr OutParam fixed(int8_t arg, uint32_t bytes) {
  return {arg, SizeFrom::kFixed, bytes, 1};
}
constexpr OutParam result_bytes(int8_t arg) { return {arg, SizeFrom::kResult, 0, 1}; }
constexpr OutParam arg_bytes(int8_t arg, uint32_t size_arg) {
  return {arg, SizeFrom::kArg, size_arg, 1};
}
constexpr OutParam socklen_bytes(int8_t arg, uint32_t len_arg) {
  return {arg, SizeFrom::kArgPtrU32, len_arg, 1};
}
constexpr OutParam result_times(int8_t arg, uint32_t scale) {
  return {arg, SizeFrom::kResultTimes, 0, scale};
}

using enum ReplayPolicy;
using namespace abi;

constexpr SyscallSpec kRows[] = {
    // --- File descriptors and I/O ---
    {__NR_read, "read", 3, kEmulate, {result_bytes(1)}},
    {__NR_write, "write", 3, kEmulate, {}},
    {__NR_pread64, "pread64", 4, kEmulate, {result_bytes(1)}},
    {__NR_pwrite64, "pwrite64", 4, kEmulate, {}},
    {__NR_readv, "readv", 3, kEmulate, {}, iovec_out},
    {__NR_writev, "writev", 3, kEmulate, {}},
    {__NR_preadv, "preadv", 5, kEmulate, {}, iovec_out},
    {__NR_pwritev, "pwritev", 5, kEmulate, {}},
    {__NR_preadv2, "preadv2", 6, kEmulate, {}, iovec_out},
    {__NR_pwritev2, "pwritev2", 6, kEmulate, {}},
    {__NR_lseek, "lseek", 3, kEmulate, {}},
    {__NR_open, "open", 3, kEmulate, {}},
    {__NR_openat, "openat", 4, kEmulate, {}},
    {__NR_openat2, "openat2", 4, kEmulate, {}},
    {__NR_creat, "creat", 2, kEmulate, {}},
    {__NR_close, "close", 1, kEmulate, {}},
    {__NR_close_range, "close_range", 3, kEmulate, {}},
    {__NR_dup, "dup", 1, kEmulate, {}},
    {__NR_dup2, "dup2", 2, kEmulate, {}},
    {__NR_dup3, "dup3", 3, kEmulate, {}},
    {__NR_fcntl, "fcntl", 3, kEmulate, {}, fcntl_out, fcntl_check},
    {__NR_ioctl, "ioctl", 3, kEmulate, {}, ioctl_out, ioctl_check},
    {__NR_pipe, "pipe", 1, kEmulate, {fixed(0, 2 * kU32)}},
    {__NR_pipe2, "pipe2", 2, kEmulate, {fixed(0, 2 * kU32)}},
    {__NR_flock, "flock", 2, kEmulate, {}},
    {__NR_fsync, "fsync", 1, kEmulate, {}},
    {__NR_fdatasync, "fdatasync", 1, kEmulate, {}},
    {__NR_sync, "sync", 0, kEmulate, {}},
    {__NR_syncfs, "syncfs", 1, kEmulate, {}},
    {__NR_fallocate, "fallocate", 4, kEmulate, {}},
    {__NR_fadvise64, "fadvise64", 4, kEmulate, {}},
    {__NR_truncate, "truncate", 2, kEmulate, {}},
    {__NR_ftruncate, "ftruncate", 2, kEmulate, {}},
    {__NR_sendfile, "sendfile", 4, kEmulate, {fixed(2, kU64)}},          // *offset
    {__NR_copy_file_range, "copy_file_range", 6, kEmulate, {fixed(1, kU64), fixed(3, kU64)}},
    {__NR_splice, "splice", 6, kEmulate, {fixed(1, kU64), fixed(3, kU64)}},
    {__NR_tee, "tee", 4, kEmulate, {}},
    {__NR_memfd_create, "memfd_create", 2, kEmulate, {}},

    // --- Paths and file metadata ---
    {__NR_access, "access", 2, kEmulate, {}},
    {__NR_faccessat, "faccessat", 3, kEmulate, {}},
    {__NR_faccessat2, "faccessat2", 4, kEmulate, {}},
    {__NR_stat, "stat", 2, kEmulate, {fixed(1, kStat)}},
    {__NR_fstat, "fstat", 2, kEmulate, {fixed(1, kStat)}},
    {__NR_lstat, "lstat", 2, kEmulate, {fixed(1, kStat)}},
    {__NR_newfstatat, "newfstatat", 4, kEmulate, {fixed(2, kStat)}},
    {__NR_statx, "statx", 5, kEmulate, {fixed(4, kStatx)}},
    {__NR_statfs, "statfs", 2, kEmulate, {fixed(1, kStatfs)}},
    {__NR_fstatfs, "fstatfs", 2, kEmulate, {fixed(1, kStatfs)}},
    {__NR_readlink, "readlink", 3, kEmulate, {result_bytes(1)}},
    {__NR_readlinkat, "readlinkat", 4, kEmulate, {result_bytes(2)}},
    {__NR_chmod, "chmod", 2, kEmulate, {}},
    {__NR_fchmod, "fchmod", 2, kEmulate, {}},
    {__NR_fchmodat, "fchmodat", 3, kEmulate, {}},
    {__NR_chown, "chown", 3, kEmulate, {}},
    {__NR_fchown, "fchown", 3, kEmulate, {}},
    {__NR_lchown, "lchown", 3, kEmulate, {}},
    {__NR_fchownat, "fchownat", 5, kEmulate, {}},
    {__NR_utime, "utime", 2, kEmulate, {}},
    {__NR_utimes, "utimes", 2, kEmulate, {}},
    {__NR_futimesat, "futimesat", 3, kEmulate, {}},
    {__NR_utimensat, "utimensat", 4, kEmulate, {}},
    {__NR_umask, "umask", 1, kEmulate, {}},

    // --- Directories and links ---
    {__NR_getdents, "getdents", 3, kEmulate, {result_bytes(1)}},
    {__NR_getdents64, "getdents64", 3, kEmulate, {result_bytes(1)}},
    {__NR_getcwd, "getcwd", 2, kEmulate, {result_bytes(0)}},  // length with the NUL
    {__NR_chdir, "chdir", 1, kEmulate, {}},
    {__NR_fchdir, "fchdir", 1, kEmulate, {}},
    {__NR_mkdir, "mkdir", 2, kEmulate, {}},
    {__NR_mkdirat, "mkdirat", 3, kEmulate, {}},
    {__NR_mknod, "mknod", 3, kEmulate, {}},
    {__NR_mknodat, "mknodat", 4, kEmulate, {}},
    {__NR_rmdir, "rmdir", 1, kEmulate, {}},
    {__NR_unlink, "unlink", 1, kEmulate, {}},
    {__NR_unlinkat, "unlinkat", 3, kEmulate, {}},
    {__NR_rename, "rename", 2, kEmulate, {}},
    {__NR_renameat, "renameat", 4, kEmulate, {}},
    {__NR_renameat2, "renameat2", 5, kEmulate, {}},
    {__NR_link, "link", 2, kEmulate, {}},
    {__NR_linkat, "linkat", 5, kEmulate, {}},
    {__NR_symlink, "symlink", 2, kEmulate, {}},
    {__NR_symlinkat, "symlinkat", 3, kEmulate, {}},

    // --- Extended attributes ---
    {__NR_getxattr, "getxattr", 4, kEmulate, {}, getxattr_out},
    {__NR_lgetxattr, "lgetxattr", 4, kEmulate, {}, getxattr_out},
    {__NR_fgetxattr, "fgetxattr", 4, kEmulate, {}, getxattr_out},
    {__NR_listxattr, "listxattr", 3, kEmulate, {}, listxattr_out},
    {__NR_llistxattr, "llistxattr", 3, kEmulate, {}, listxattr_out},
    {__NR_flistxattr, "flistxattr", 3, kEmulate, {}, listxattr_out},
    {__NR_setxattr, "setxattr", 5, kEmulate, {}},
    {__NR_lsetxattr, "lsetxattr", 5, kEmulate, {}},
    {__NR_fsetxattr, "fsetxattr", 5, kEmulate, {}},
    {__NR_removexattr, "removexattr", 2, kEmulate, {}},
    {__NR_lremovexattr, "lremovexattr", 2, kEmulate, {}},
    {__NR_fremovexattr, "fremovexattr", 2, kEmulate, {}},

    // --- Polling, readiness and event fds ---
    {__NR_poll, "poll", 3, kEmulate, {}, poll_out},
    {__NR_ppoll, "ppoll", 5, kEmulate, {}, ppoll_out},
    {__NR_select, "select", 5, kEmulate, {}, select_out},
    {__NR_pselect6, "pselect6", 6, kEmulate, {}, pselect6_out},
    {__NR_epoll_create, "epoll_create", 1, kEmulate, {}},
    {__NR_epoll_create1, "epoll_create1", 1, kEmulate, {}},
    {__NR_epoll_ctl, "epoll_ctl", 4, kEmulate, {}},
    {__NR_epoll_wait, "epoll_wait", 4, kEmulate, {result_times(1, kEpollEvent)}},
    {__NR_epoll_pwait, "epoll_pwait", 6, kEmulate, {result_times(1, kEpollEvent)}},
    {__NR_epoll_pwait2, "epoll_pwait2", 6, kEmulate, {result_times(1, kEpollEvent)}},
    {__NR_eventfd, "eventfd", 1, kEmulate, {}},
    {__NR_eventfd2, "eventfd2", 2, kEmulate, {}},
    {__NR_inotify_init, "inotify_init", 0, kEmulate, {}},
    {__NR_inotify_init1, "inotify_init1", 1, kEmulate, {}},
    {__NR_inotify_add_watch, "inotify_add_watch", 3, kEmulate, {}},
    {__NR_inotify_rm_watch, "inotify_rm_watch", 2, kEmulate, {}},
    {__NR_signalfd, "signalfd", 3, kEmulate, {}},
    {__NR_signalfd4, "signalfd4", 4, kEmulate, {}},
    {__NR_timerfd_create, "timerfd_create", 2, kEmulate, {}},
    {__NR_timerfd_settime, "timerfd_settime", 4, kEmulate, {fixed(3, kItimerspec)}},
    {__NR_timerfd_gettime, "timerfd_gettime", 2, kEmulate, {fixed(1, kItimerspec)}},

    // --- Memory ---
    {__NR_mmap, "mmap", 6, kMemory, {}},
    {__NR_mremap, "mremap", 5, kMemory, {}},
    {__NR_brk, "brk", 1, kMemory, {}},
    {__NR_munmap, "munmap", 2, kExecute, {}},
    {__NR_mprotect, "mprotect", 3, kExecute, {}},
    {__NR_madvise, "madvise", 3, kExecute, {}},
    {__NR_msync, "msync", 3, kEmulate, {}},
    {__NR_mlock, "mlock", 2, kEmulate, {}},
    {__NR_munlock, "munlock", 2, kEmulate, {}},
    {__NR_mlockall, "mlockall", 1, kEmulate, {}},
    {__NR_munlockall, "munlockall", 0, kEmulate, {}},
    {__NR_mincore, "mincore", 3, kEmulate, {}, mincore_out},
    {__NR_membarrier, "membarrier", 3, kEmulate, {}},
    {__NR_getrandom, "getrandom", 3, kEmulate, {result_bytes(0)}},

    // --- Time, sleeps and timers ---
    {__NR_clock_gettime, "clock_gettime", 2, kEmulate, {fixed(1, kTimespec)}},
    {__NR_clock_getres, "clock_getres", 2, kEmulate, {fixed(1, kTimespec)}},
    {__NR_gettimeofday, "gettimeofday", 2, kEmulate, {fixed(0, kTimeval), fixed(1, kTimezone)}},
    {__NR_time, "time", 1, kEmulate, {fixed(0, kU64)}},
    {__NR_nanosleep, "nanosleep", 2, kEmulate, {}, nanosleep_out},
    {__NR_clock_nanosleep, "clock_nanosleep", 4, kEmulate, {}, clock_nanosleep_out},
    {__NR_getitimer, "getitimer", 2, kEmulate, {fixed(1, kItimerval)}},
    {__NR_setitimer, "setitimer", 3, kEmulate, {fixed(2, kItimerval)}},
    {__NR_alarm, "alarm", 1, kEmulate, {}},
    {__NR_times, "times", 1, kEmulate, {fixed(0, kTms)}},
    {__NR_timer_create, "timer_create", 3, kEmulate, {fixed(2, kU32)}},
    {__NR_timer_settime, "timer_settime", 4, kEmulate, {fixed(3, kItimerspec)}},
    {__NR_timer_gettime, "timer_gettime", 2, kEmulate, {fixed(1, kItimerspec)}},
    {__NR_timer_getoverrun, "timer_getoverrun", 1, kEmulate, {}},
    {__NR_timer_delete, "timer_delete", 1, kEmulate, {}},

    // --- Process identity, limits and accounting ---
    {__NR_getpid, "getpid", 0, kEmulate, {}},
    {__NR_getppid, "getppid", 0, kEmulate, {}},
    {__NR_gettid, "gettid", 0, kEmulate, {}},
    {__NR_getuid, "getuid", 0, kEmulate, {}},
    {__NR_geteuid, "geteuid", 0, kEmulate, {}},
    {__NR_getgid, "getgid", 0, kEmulate, {}},
    {__NR_getegid, "getegid", 0, kEmulate, {}},
    {__NR_getresuid, "getresuid", 3, kEmulate, {fixed(0, kU32), fixed(1, kU32), fixed(2, kU32)}},
    {__NR_getresgid, "getresgid", 3, kEmulate, {fixed(0, kU32), fixed(1, kU32), fixed(2, kU32)}},
    {__NR_getgroups, "getgroups", 2, kEmulate, {}, getgroups_out},
    {__NR_setuid, "setuid", 1, kEmulate, {}},
    {__NR_setgid, "setgid", 1, kEmulate, {}},
    {__NR_setreuid, "setreuid", 2, kEmulate, {}},
    {__NR_setregid, "setregid", 2, kEmulate, {}},
    {__NR_setresuid, "setresuid", 3, kEmulate, {}},
    {__NR_setresgid, "setresgid", 3, kEmulate, {}},
    {__NR_setfsuid, "setfsuid", 1, kEmulate, {}},
    {__NR_setfsgid, "setfsgid", 1, kEmulate, {}},
    {__NR_setgroups, "setgroups", 2, kEmulate, {}},
    {__NR_setpgid, "setpgid", 2, kEmulate, {}},
    {__NR_getpgid, "getpgid", 1, kEmulate, {}},
    {__NR_getpgrp, "getpgrp", 0, kEmulate, {}},
    {__NR_getsid, "getsid", 1, kEmulate, {}},
    {__NR_setsid, "setsid", 0, kEmulate, {}},
    {__NR_capget, "capget", 2, kEmulate, {}, capget_out, nullptr, capget_capture},
    {__NR_uname, "uname", 1, kEmulate, {fixed(0, kUtsname)}},
    {__NR_sysinfo, "sysinfo", 1, kEmulate, {fixed(0, kSysinfo)}},
    {__NR_personality, "personality", 1, kEmulate, {}},
    {__NR_prlimit64, "prlimit64", 4, kEmulate, {fixed(3, kRlimit)}},
    {__NR_getrlimit, "getrlimit", 2, kEmulate, {fixed(1, kRlimit)}},
    {__NR_setrlimit, "setrlimit", 2, kEmulate, {}},
    {__NR_getrusage, "getrusage", 2, kEmulate, {fixed(1, kRusage)}},
    {__NR_getpriority, "getpriority", 2, kEmulate, {}},
    {__NR_setpriority, "setpriority", 3, kEmulate, {}},
    {__NR_prctl, "prctl", 5, kEmulate, {}, prctl_out, prctl_check},

    // --- Scheduling ---
    {__NR_sched_yield, "sched_yield", 0, kEmulate, {}},
    {__NR_sched_getaffinity, "sched_getaffinity", 3, kEmulate, {result_bytes(2)}},
    {__NR_sched_setaffinity, "sched_setaffinity", 3, kEmulate, {}},
    {__NR_sched_getparam, "sched_getparam", 2, kEmulate, {fixed(1, kSchedParam)}},
    {__NR_sched_setparam, "sched_setparam", 2, kEmulate, {}},
    {__NR_sched_getscheduler, "sched_getscheduler", 1, kEmulate, {}},
    {__NR_sched_setscheduler, "sched_setscheduler", 3, kEmulate, {}},
    {__NR_sched_get_priority_max, "sched_get_priority_max", 1, kEmulate, {}},
    {__NR_sched_get_priority_min, "sched_get_priority_min", 1, kEmulate, {}},
    {__NR_sched_rr_get_interval, "sched_rr_get_interval", 2, kEmulate, {fixed(1, kTimespec)}},
    {__NR_getcpu, "getcpu", 3, kEmulate, {fixed(0, kU32), fixed(1, kU32)}},

    // --- Signals ---
    {__NR_rt_sigaction, "rt_sigaction", 4, kExecute, {}, sigaction_out},
    {__NR_rt_sigprocmask, "rt_sigprocmask", 4, kExecute, {arg_bytes(2, 3)}},
    {__NR_rt_sigreturn, "rt_sigreturn", 0, kExecute, {}},
    {__NR_sigaltstack, "sigaltstack", 2, kExecute, {fixed(1, kStackT)}},
    {__NR_rt_sigpending, "rt_sigpending", 2, kEmulate, {arg_bytes(0, 1)}},
    {__NR_rt_sigtimedwait, "rt_sigtimedwait", 4, kEmulate, {fixed(1, kSiginfo)}},
    {__NR_rt_sigsuspend, "rt_sigsuspend", 2, kEmulate, {}},
    {__NR_pause, "pause", 0, kEmulate, {}},
    {__NR_kill, "kill", 2, kEmulate, {}},
    {__NR_tkill, "tkill", 2, kEmulate, {}},
    {__NR_tgkill, "tgkill", 3, kEmulate, {}},
    {__NR_rt_sigqueueinfo, "rt_sigqueueinfo", 3, kEmulate, {}},
    {__NR_rt_tgsigqueueinfo, "rt_tgsigqueueinfo", 4, kEmulate, {}},
    {__NR_restart_syscall, "restart_syscall", 0, kEmulate, {}, restart_syscall_out},

    // --- Threads and tasks ---
    // New tasks have rows only to refuse them with a clear message.
    {__NR_clone, "clone", 5, kSpawn, {}, nullptr, clone_check},
    {__NR_fork, "fork", 0, kSpawn, {}, nullptr, fork_check},
    {__NR_vfork, "vfork", 0, kSpawn, {}, nullptr, fork_check},
    {__NR_futex, "futex", 6, kEmulate, {}, futex_out, futex_check},
    // Executed: the kernel acts on them when the thread exits (clears and
    // wakes the tid word pthread_join waits on; releases robust mutexes).
    // set_tid_address returns the caller's tid: replay hands back the recorded one.
    {__NR_set_tid_address, "set_tid_address", 1, kExecute, {}},
    {__NR_set_robust_list, "set_robust_list", 2, kExecute, {}},
    {__NR_get_robust_list, "get_robust_list", 3, kEmulate, {fixed(1, kU64), fixed(2, kU64)}},
    {__NR_arch_prctl, "arch_prctl", 2, kExecute, {}, arch_prctl_out, arch_prctl_check},
    // clone_args in memory: its flags are captured at entry (entry_values[0]).
    {__NR_clone3, "clone3", 2, kSpawn, {}, clone3_out, nullptr, clone3_capture},
    // ebb makes these fail with ENOSYS; the C library falls back (rseq: no
    // restartable sequences; io_uring: plain syscalls).
    {__NR_rseq, "rseq", 4, kForceFail, {}},
    {__NR_io_uring_setup, "io_uring_setup", 2, kForceFail, {}},

    // --- Program lifetime and children ---
    {__NR_execve, "execve", 3, kExec, {}},
    {__NR_execveat, "execveat", 5, kExec, {}},
    {__NR_exit, "exit", 1, kExit, {}},
    {__NR_exit_group, "exit_group", 1, kExit, {}},
    {__NR_wait4, "wait4", 4, kEmulate, {}, wait4_out},
    {__NR_waitid, "waitid", 5, kEmulate, {}, waitid_out},

    // --- Sockets ---
    {__NR_socket, "socket", 3, kEmulate, {}},
    {__NR_socketpair, "socketpair", 4, kEmulate, {fixed(3, 2 * kU32)}},
    {__NR_connect, "connect", 3, kEmulate, {}},
    {__NR_bind, "bind", 3, kEmulate, {}},
    {__NR_listen, "listen", 2, kEmulate, {}},
    {__NR_accept, "accept", 3, kEmulate, {socklen_bytes(1, 2)}, accept_out},
    {__NR_accept4, "accept4", 4, kEmulate, {socklen_bytes(1, 2)}, accept_out},
    {__NR_getsockname, "getsockname", 3, kEmulate, {socklen_bytes(1, 2), fixed(2, kU32)}},
    {__NR_getpeername, "getpeername", 3, kEmulate, {socklen_bytes(1, 2), fixed(2, kU32)}},
    {__NR_sendto, "sendto", 6, kEmulate, {}},
    {__NR_sendmsg, "sendmsg", 3, kEmulate, {}},
    {__NR_sendmmsg, "sendmmsg", 4, kEmulate, {}, sendmmsg_out},
    {__NR_recvfrom, "recvfrom", 6, kEmulate, {socklen_bytes(4, 5)}, recvfrom_out},
    {__NR_recvmsg, "recvmsg", 3, kEmulate, {}, recvmsg_out, nullptr, recvmsg_capture},
    {__NR_recvmmsg, "recvmmsg", 5, kEmulate, {}, recvmmsg_out, nullptr, recvmmsg_capture},
    {__NR_shutdown, "shutdown", 2, kEmulate, {}},
    {__NR_setsockopt, "setsockopt", 5, kEmulate, {}},
    {__NR_getsockopt, "getsockopt", 5, kEmulate, {socklen_bytes(3, 4), fixed(4, kU32)},
     getsockopt_out},
};

// --- Generated from <asm/unistd_64.h> at configure time (CMakeLists.txt) ---
struct NameEntry {
  int nr;
  const char* name;
};
constexpr NameEntry kNames[] = {
#include "syscall_names.inc"
};

constexpr size_t kMaxNr = 1024;

// Table invariants, checked once: every nr unique and in range, every
// argument index below nargs, and entry captures only where the generic
// socklen_t capture does not already fill entry_values.
void check_row(const SyscallSpec& row) {
  EBB_ASSERT_MSG(row.nr >= 0 && static_cast<size_t>(row.nr) < kMaxNr, row.name);
  EBB_ASSERT_MSG(row.nargs <= 6, row.name);
  for (const OutParam& o : row.outs) {
    if (o.from == SizeFrom::kNone) continue;
    EBB_ASSERT_MSG(o.arg >= 0 && o.arg < row.nargs, row.name);
    bool value_is_arg = o.from == SizeFrom::kArg || o.from == SizeFrom::kArgTimes ||
                        o.from == SizeFrom::kArgPtrU32;
    EBB_ASSERT_MSG(!value_is_arg || o.value < row.nargs, row.name);
    EBB_ASSERT_MSG(o.from != SizeFrom::kArgPtrU32 || row.entry_capture == nullptr, row.name);
  }
}

const std::array<const SyscallSpec*, kMaxNr>& row_index() {
  static const auto index = [] {
    std::array<const SyscallSpec*, kMaxNr> idx{};
    for (const SyscallSpec& row : kRows) {
      check_row(row);
      EBB_ASSERT_MSG(idx[row.nr] == nullptr, row.name);
      idx[row.nr] = &row;
    }
    return idx;
  }();
  return index;
}

const std::array<const char*, kMaxNr>& name_index() {
  static const auto index = [] {
    std::array<const char*, kMaxNr> idx{};
    for (const NameEntry& e : kNames) {
      if (e.nr >= 0 && static_cast<size_t>(e.nr) < kMaxNr) idx[e.nr] = e.name;
    }
    return idx;
  }();
  return index;
}

Error no_row(int64_t nr) {
  return unsupported("syscall " + syscall_name(nr) + " (" + std::to_string(nr) +
                     ") is not supported yet");
}

// The size of one declarative out-buffer. `socklen_index` counts the
// kArgPtrU32 outs seen so far, which capture_entry() stored in this order.
Result<uint64_t> out_size(const OutParam& o, const SyscallCall& call, const ReadMem& read,
                          size_t& socklen_index) {
  uint64_t positive_result = call.result > 0 ? static_cast<uint64_t>(call.result) : 0;
  switch (o.from) {
    case SizeFrom::kNone:
      return uint64_t{0};
    case SizeFrom::kFixed:
      return uint64_t{o.value};
    case SizeFrom::kArg:
      return call.args[o.value];
    case SizeFrom::kResult:
      return positive_result;
    case SizeFrom::kArgTimes:
      return call.args[o.value] * o.scale;
    case SizeFrom::kResultTimes:
      return positive_result * o.scale;
    case SizeFrom::kArgPtrU32: {
      std::optional<uint64_t> before = entry_value(call, socklen_index++);
      uint64_t len_ptr = call.args[o.value];
      if (len_ptr == 0 || call.args[o.arg] == 0) return uint64_t{0};
      auto after = read_u32(call, read, len_ptr);
      if (!after) return after.error();
      return before && *before < *after ? *before : uint64_t{*after};
    }
  }
  return uint64_t{0};
}

}  // namespace

const SyscallSpec* find_syscall(int64_t nr) {
  if (nr < 0 || static_cast<uint64_t>(nr) >= kMaxNr) return nullptr;
  return row_index()[nr];
}

std::string syscall_name(int64_t nr) {
  if (nr >= 0 && static_cast<uint64_t>(nr) < kMaxNr && name_index()[nr]) {
    return name_index()[nr];
  }
  return "syscall_" + std::to_string(nr);
}

std::span<const SyscallSpec> all_syscalls() { return kRows; }

Status check_entry(const SyscallCall& call) {
  const SyscallSpec* spec = find_syscall(call.nr);
  if (!spec) return no_row(call.nr);
  if (spec->entry_check) return spec->entry_check(call);
  return ok_status();
}

void capture_entry(SyscallCall& call, const ReadMem& read) {
  call.entry_values.clear();
  const SyscallSpec* spec = find_syscall(call.nr);
  if (!spec) return;
  for (const OutParam& o : spec->outs) {
    if (o.from == SizeFrom::kArgPtrU32) capture_u32(call, read, call.args[o.value]);
  }
  if (spec->entry_capture) spec->entry_capture(call, read);
}

Result<std::vector<MemRange>> out_ranges(const SyscallCall& call, const ReadMem& read) {
  const SyscallSpec* spec = find_syscall(call.nr);
  if (!spec) return no_row(call.nr);
  std::vector<MemRange> out;
  if (!is_error(call.result)) {
    size_t socklen_index = 0;
    for (const OutParam& o : spec->outs) {
      if (o.from == SizeFrom::kNone) continue;
      auto size = out_size(o, call, read, socklen_index);
      if (!size) return size.error();
      add_range(out, call.args[o.arg], *size);
    }
  }
  if (spec->out_handler) EBB_TRY(spec->out_handler(call, read, out));
  return out;
}

}  // namespace ebb::syscalls
