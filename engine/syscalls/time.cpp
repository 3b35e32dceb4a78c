// Time-family handlers: the sleeps that report the time left when a signal
// interrupts them.
#include <ctime>

#include "engine/syscalls/handlers.h"

namespace ebb::syscalls {

// nanosleep(req, rem): do_nanosleep() stores `rem` only when interrupted
// (the tracer sees -ERESTART_RESTARTBLOCK at the exit stop).
Status nanosleep_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (was_interrupted(call.result)) add_range(out, call.args[1], abi::kTimespec);
  return ok_status();
}

// clock_nanosleep(clockid, flags, req, rem): as nanosleep, except that an
// absolute sleep (TIMER_ABSTIME) never stores `rem`.
Status clock_nanosleep_out(const SyscallCall& call, const ReadMem&,
                           std::vector<MemRange>& out) {
  if (call.args[1] & TIMER_ABSTIME) return ok_status();
  if (was_interrupted(call.result)) add_range(out, call.args[3], abi::kTimespec);
  return ok_status();
}

}  // namespace ebb::syscalls
