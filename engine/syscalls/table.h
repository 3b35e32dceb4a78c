// The declarative syscall table: for each x86-64 syscall ebb handles, what it
// writes into tracee memory (so the recorder can save it) and what replay
// does with it. Add a syscall by adding a row in table.cpp and, only where a
// row cannot describe it, an out-buffer handler in its family file.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/base/result.h"

namespace ebb::syscalls {

enum class ReplayPolicy : uint8_t {
  kEmulate,     // not executed in replay: recorded result and memory written back
  kExecute,     // executed in replay (signal state, memory protections); result checked
  kMemory,      // mmap, mremap, brk: the session places memory at the recorded address
  kExec,        // execve, execveat: the session rebuilds the address space from the trace
  kExit,        // exit, exit_group: executed
  kForceFail,   // ebb makes it fail with ENOSYS at record (rseq, clone3, io_uring_setup)
  kSpawn,       // clone, fork, vfork: executed in replay to create the task; ids mapped
};

// How large an out-buffer is.
enum class SizeFrom : uint8_t {
  kNone,        // unused slot
  kFixed,       // `value` bytes
  kArg,         // the value of argument `value`
  kResult,      // the syscall's result (when > 0)
  kArgPtrU32,   // the u32 stored at argument `value` after the call (socklen_t*),
                // capped by the one captured at entry (SyscallCall::entry_values)
  kArgTimes,    // argument `value` times `scale` bytes
  kResultTimes, // result times `scale` bytes
};

struct OutParam {
  int8_t arg = -1;           // which argument holds the buffer pointer
  SizeFrom from = SizeFrom::kNone;
  uint32_t value = 0;
  uint32_t scale = 1;
};

struct MemRange {
  uint64_t addr;
  uint64_t len;
  friend bool operator==(const MemRange&, const MemRange&) = default;
};

using ReadMem = std::function<bool(uint64_t addr, void* buf, size_t len)>;

struct SyscallCall {
  int64_t nr;
  std::array<uint64_t, 6> args;
  int64_t result;            // valid only after the call
  // Filled by capture_entry() at the entry stop: tracee values that the kernel
  // overwrites but that bound what it writes (the caller's socklen_t before
  // the kernel replaces it with the full address length; capget's header
  // version). Empty when not captured: out_ranges then uses the values after
  // the call, which can cover bytes past a too-small buffer that the kernel
  // left untouched.
  std::vector<uint64_t> entry_values{};
  // For restart_syscall only: the nr of the interrupted call it resumes (the
  // task's previous syscall, which returned -ERESTART_RESTARTBLOCK). Its
  // arguments are still in the registers, so `args` are the original ones.
  int64_t restarted_nr = -1;
};

// Computes out-buffers that a fixed-shape row cannot describe (iovecs,
// msghdr, ioctl requests, ...). Appends to `out`, after the row's `outs`.
// Called for failed calls too: it adds nothing unless the kernel writes on
// that failure.
using OutHandler = Status (*)(const SyscallCall& call, const ReadMem& read,
                              std::vector<MemRange>& out);
// Decides before the call whether ebb can record it (e.g. an ioctl request it
// knows). Returns kUnsupported with a message naming what is missing.
using EntryCheck = Status (*)(const SyscallCall& call);
// Reads, at entry, values the row's out handler needs after the call, and
// appends them to call.entry_values (see SyscallCall).
using EntryCapture = void (*)(SyscallCall& call, const ReadMem& read);

struct SyscallSpec {
  int nr;
  const char* name;
  uint8_t nargs;
  ReplayPolicy policy;
  std::array<OutParam, 3> outs;
  OutHandler out_handler = nullptr;
  EntryCheck entry_check = nullptr;
  EntryCapture entry_capture = nullptr;
};

// The row for `nr`, or nullptr when ebb does not handle it yet.
const SyscallSpec* find_syscall(int64_t nr);
// The kernel's name for any x86-64 syscall number ("syscall_NNN" if unknown).
std::string syscall_name(int64_t nr);
// Every row, in table order (for tests and for listing what ebb supports).
std::span<const SyscallSpec> all_syscalls();

// Before the call: Ok if ebb can record this call, else kUnsupported naming
// the syscall (and the request/flag) that is not handled yet.
Status check_entry(const SyscallCall& call);
// At the entry stop, after check_entry succeeded: records in
// call.entry_values what out_ranges needs from before the call. Unreadable
// values are stored as unknown (the call will then fail with EFAULT anyway).
void capture_entry(SyscallCall& call, const ReadMem& read);
// After the call: the memory ranges the kernel wrote. Empty for failed calls,
// except where the kernel writes on failure too (nanosleep's `rem` and poll's
// revents when interrupted, select/poll timeouts, waitid's siginfo). `read`
// reads tracee memory (for iovec arrays, msghdr, socklen_t values). An error
// when tracee memory the kernel just used cannot be read, or for a call with
// no row.
Result<std::vector<MemRange>> out_ranges(const SyscallCall& call, const ReadMem& read);

}  // namespace ebb::syscalls
