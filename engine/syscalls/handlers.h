// Internal to engine/syscalls: kernel ABI sizes, helpers shared by the family
// files, and the out handlers, entry checks and entry captures that table.cpp
// names in its rows. Nothing outside this folder includes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/syscalls/table.h"

namespace ebb::syscalls {

// Sizes of the kernel's structs on x86-64 (checked against the C library's
// definitions in common.cpp where the two agree).
namespace abi {
inline constexpr uint32_t kStat = 144;
inline constexpr uint32_t kStatx = 256;
inline constexpr uint32_t kStatfs = 120;
inline constexpr uint32_t kRusage = 144;
inline constexpr uint32_t kSigactionNoMask = 24;  // handler, flags, restorer
inline constexpr uint32_t kStackT = 24;
inline constexpr uint32_t kTimespec = 16;
inline constexpr uint32_t kTimeval = 16;
inline constexpr uint32_t kTimezone = 8;
inline constexpr uint32_t kItimerval = 32;
inline constexpr uint32_t kItimerspec = 32;
inline constexpr uint32_t kTms = 32;
inline constexpr uint32_t kRlimit = 16;
inline constexpr uint32_t kUtsname = 390;
inline constexpr uint32_t kSysinfo = 112;
inline constexpr uint32_t kTermios = 36;   // the kernel's, not glibc's 60
inline constexpr uint32_t kTermios2 = 44;
inline constexpr uint32_t kWinsize = 8;
inline constexpr uint32_t kSiginfo = 128;
inline constexpr uint32_t kEpollEvent = 12;  // packed on x86-64
inline constexpr uint32_t kFlock = 32;
inline constexpr uint32_t kPollfd = 8;
inline constexpr uint32_t kIovec = 16;
inline constexpr uint32_t kMsghdr = 56;
inline constexpr uint32_t kMmsghdr = 64;  // msghdr, then u32 msg_len, padding
inline constexpr uint32_t kCapData = 12;  // one __user_cap_data_struct
inline constexpr uint32_t kSchedParam = 4;
inline constexpr uint32_t kPageSize = 4096;
inline constexpr uint32_t kFdSetWord = 8;  // fd_set is an array of longs
inline constexpr uint32_t kU32 = 4;        // int, pid_t, uid_t, socklen_t, timer_t
inline constexpr uint32_t kU64 = 8;        // long, size_t, loff_t, pointers
inline constexpr uint32_t kUioMaxIov = 1024;  // the kernel refuses more iovecs

// struct msghdr field offsets.
inline constexpr uint32_t kMsgName = 0;
inline constexpr uint32_t kMsgNamelen = 8;
inline constexpr uint32_t kMsgIov = 16;
inline constexpr uint32_t kMsgIovlen = 24;
inline constexpr uint32_t kMsgControl = 32;
inline constexpr uint32_t kMsgControllen = 40;
inline constexpr uint32_t kMsgFlags = 48;
inline constexpr uint32_t kMmsgLen = 56;
// The kernel's restart codes (include/linux/errno.h), never seen by programs: a tracer sees them
// at a syscall's exit stop, before signal delivery turns them into EINTR or a restart.
inline constexpr int64_t kERestartSys = 512;
inline constexpr int64_t kERestartNoIntr = 513;
inline constexpr int64_t kERestartNoHand = 514;
inline constexpr int64_t kERestartRestartBlock = 516;
}  // namespace abi

// --- Shared helpers (common.cpp) ---

// A result in -4095..-1 is an errno.
bool is_error(int64_t result);
// EINTR or one of the kernel's restart codes (ERESTARTSYS, ERESTARTNOINTR,
// ERESTARTNOHAND, ERESTART_RESTARTBLOCK), which the tracer sees at the exit
// stop before signal delivery turns them into EINTR or a restart.
bool was_interrupted(int64_t result);

inline constexpr uint64_t kUnknownEntryValue = UINT64_MAX;
// call.entry_values[index], or nullopt when not captured or unreadable.
std::optional<uint64_t> entry_value(const SyscallCall& call, size_t index);
// Appends the u32 at `addr` (kUnknownEntryValue if unreadable) to entry_values.
void capture_u32(SyscallCall& call, const ReadMem& read, uint64_t addr);

Result<uint32_t> read_u32(const SyscallCall& call, const ReadMem& read, uint64_t addr);
Result<uint64_t> read_u64(const SyscallCall& call, const ReadMem& read, uint64_t addr);
Status read_bytes(const SyscallCall& call, const ReadMem& read, uint64_t addr,
                  void* buf, size_t len);
// Whether `len` bytes at `addr` can be read (for writes the kernel may have
// made before failing: recording bytes it left alone is harmless, recording
// unmapped memory is not possible).
bool readable(const ReadMem& read, uint64_t addr, uint64_t len);
// Appends {addr, len} unless addr is null or len is zero.
void add_range(std::vector<MemRange>& out, uint64_t addr, uint64_t len);
// Appends the first `bytes` bytes of the `iovcnt` iovecs at `iov` (the data a
// readv-like call stored), stopping at the end of the array.
Status add_iovecs(const SyscallCall& call, const ReadMem& read, uint64_t iov,
                  uint64_t iovcnt, uint64_t bytes, std::vector<MemRange>& out);
Error unsupported(std::string message);
// "0x5412" for messages.
std::string hex(uint64_t value);

// --- file.cpp ---
Status iovec_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status getxattr_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status listxattr_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status fcntl_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status fcntl_check(const SyscallCall& call);
Status ioctl_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status ioctl_check(const SyscallCall& call);
Status poll_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status ppoll_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status select_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status pselect6_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);

// --- memory.cpp ---
Status mincore_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);

// --- net.cpp ---
Status recvfrom_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status recvmsg_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
void recvmsg_capture(SyscallCall& call, const ReadMem& read);
Status recvmmsg_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
void recvmmsg_capture(SyscallCall& call, const ReadMem& read);
Status sendmmsg_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status accept_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status getsockopt_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);

// --- signal.cpp ---
Status sigaction_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status restart_syscall_out(const SyscallCall& call, const ReadMem& read,
                           std::vector<MemRange>& out);

// --- time.cpp ---
Status nanosleep_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status clock_nanosleep_out(const SyscallCall& call, const ReadMem& read,
                           std::vector<MemRange>& out);

// --- process.cpp ---
Status wait4_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status waitid_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status getgroups_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status capget_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
void capget_capture(SyscallCall& call, const ReadMem& read);
Status prctl_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status prctl_check(const SyscallCall& call);

// --- thread.cpp ---
Status clone_check(const SyscallCall& call);
Status fork_check(const SyscallCall& call);
Status futex_check(const SyscallCall& call);
// clone3: the flags (and pointers) live in struct clone_args at argument 1.
void clone3_capture(SyscallCall& call, const ReadMem& read);
Status clone3_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status futex_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status arch_prctl_out(const SyscallCall& call, const ReadMem& read, std::vector<MemRange>& out);
Status arch_prctl_check(const SyscallCall& call);

}  // namespace ebb::syscalls
