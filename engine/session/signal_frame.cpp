#include "engine/session/signal_frame.h"

#include <sys/ucontext.h>

#include <cstddef>
#include <string>

#include "engine/ptrace/proc_maps.h"

namespace ebb::session {

bool is_fault_signal(int sig, const siginfo_t& info) {
  return info.si_code > 0 && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP);
}

Result<bool> runs_async_handler(ptrace::Tracee& t, int sig) {
  auto info = t.siginfo();
  if (!info) return info.error();
  if (is_fault_signal(sig, *info)) return false;
  auto caught = ptrace::read_status_mask(t.pid(), "SigCgt");
  if (!caught) return caught.error();
  return (*caught & (uint64_t{1} << (sig - 1))) != 0;
}

namespace {
// The address of the general registers in the frame's ucontext: x86-64 handlers get the
// ucontext in rdx (rt_sigframe), whatever their sa_flags.
Result<uint64_t> frame_gregs(ptrace::Tracee& t) {
  auto regs = t.regs();
  if (!regs) return regs.error();
  return regs->rdx + offsetof(ucontext_t, uc_mcontext) + offsetof(mcontext_t, gregs);
}
}  // namespace

Status clear_saved_trap_flag(ptrace::Tracee& t) {
  auto gregs = frame_gregs(t);
  if (!gregs) return gregs.error();
  constexpr uint64_t kTrapFlag = 0x100;
  uint64_t flags = 0;
  const RemoteAddr saved(*gregs + sizeof(greg_t) * REG_EFL);
  if (!t.read(saved, &flags, sizeof flags).ok() || !(flags & kTrapFlag)) return ok_status();
  flags &= ~kTrapFlag;
  return t.write(saved, &flags, sizeof flags);
}

Status clear_frame(ptrace::Tracee& t) {
  auto gregs = frame_gregs(t);
  if (!gregs) return gregs.error();
  const uint64_t zero = 0;
  for (int reg : {REG_ERR, REG_TRAPNO, REG_CR2})
    EBB_TRY(t.write(RemoteAddr(*gregs + sizeof(greg_t) * reg), &zero, sizeof zero));
  return clear_saved_trap_flag(t);
}

Result<bool> enter_handler(ptrace::Tracee& t, int sig) {
  auto runs = runs_async_handler(t, sig);
  if (!runs || !*runs) return runs;
  EBB_TRY(t.resume_step(sig));
  auto stop = t.wait();
  if (!stop) return stop.error();
  // ptrace_notify after the frame is built: SIGTRAP with si_code SIGTRAP, before the handler runs.
  auto trap = stop->kind == ptrace::StopKind::kSignal && stop->sig == SIGTRAP ? t.siginfo() : Result<siginfo_t>(siginfo_t{});
  if (!trap || trap->si_code != SIGTRAP)
    return make_error(ErrorKind::kUnsupported, "delivering signal " + std::to_string(sig) + " to thread " +
                                                   std::to_string(t.pid()) + " did not reach its handler");
  EBB_TRY(clear_frame(t));
  return true;
}

}  // namespace ebb::session
