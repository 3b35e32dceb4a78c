// Signal-family handlers.
#include <asm/unistd_64.h>

#include "engine/syscalls/handlers.h"

namespace ebb::syscalls {

// rt_sigaction(sig, act, oact, sigsetsize): the kernel's struct sigaction is
// handler, flags and restorer (24 bytes), then a mask of `sigsetsize` bytes
// (the kernel refuses any size but 8 with EINVAL).
Status sigaction_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result)) return ok_status();
  add_range(out, call.args[2], abi::kSigactionNoMask + call.args[3]);
  return ok_status();
}

// restart_syscall resumes a call that returned -ERESTART_RESTARTBLOCK
// (nanosleep, clock_nanosleep, poll, futex) with the arguments it saved from
// that call, which are still in the registers: it writes what that call would.
Status restart_syscall_out(const SyscallCall& call, const ReadMem& read,
                           std::vector<MemRange>& out) {
  if (call.restarted_nr < 0 || call.restarted_nr == __NR_restart_syscall) {
    return make_error(ErrorKind::kBadInput,
                      "restart_syscall: the interrupted syscall is unknown "
                      "(SyscallCall::restarted_nr is not set)");
  }
  SyscallCall original = call;
  original.nr = call.restarted_nr;
  original.restarted_nr = -1;
  auto ranges = out_ranges(original, read);
  if (!ranges) return ranges.error();
  out.insert(out.end(), ranges->begin(), ranges->end());
  return ok_status();
}

}  // namespace ebb::syscalls
