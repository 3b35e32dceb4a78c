#include "engine/session/replay_checks.h"

#include <cinttypes>
#include <sys/syscall.h>

#include <cstdio>

#include "engine/arch/regs.h"
#include "engine/session/event_codec.h"
#include "engine/syscalls/table.h"

namespace ebb::session {

namespace {
std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

uint32_t arg_regs_mask() {
  uint32_t mask = 0;
  for (const char* r : {"rdi", "rsi", "rdx", "r10", "r8", "r9"}) mask |= 1u << arch::reg_index(r);
  return mask;
}
}  // namespace

Error ReplayChecks::corrupt(const std::string& what) const {
  return make_error(ErrorKind::kTraceCorrupt,
                    "trace is corrupt at event " + std::to_string(r_.event_number()) + ": " + what);
}

Error ReplayChecks::diverged(const std::string& what) const {
  return make_error(ErrorKind::kDivergence,
                    "replay diverged at event " + std::to_string(r_.event_number()) + ": " + what);
}

Error ReplayChecks::end_of_trace() const {
  if (!r_.complete()) {
    return make_error(ErrorKind::kTraceCorrupt,
                      "the trace ends early, after event " + std::to_string(r_.event_number()) +
                          " (the recording was interrupted before it finished); replay stopped there");
  }
  std::string note = r_.end_note();
  if (!note.empty())
    return make_error(ErrorKind::kUnsupported, "replay reached the end of a recording that stopped early: " + note);
  return corrupt("the trace ends without the program's exit");
}

std::string ReplayChecks::describe_stop(const ptrace::Stop& stop) const {
  switch (stop.kind) {
    case ptrace::StopKind::kExited: return "the program exited with status " + std::to_string(stop.status);
    case ptrace::StopKind::kKilled: return "the program was killed by " + signal_name(stop.sig);
    case ptrace::StopKind::kSignal: return "the program received " + signal_name(stop.sig);
    case ptrace::StopKind::kEvent: return "ptrace event " + std::to_string(stop.event);
    case ptrace::StopKind::kSyscall: return "the program made a syscall";
  }
  return "unknown stop";
}

// eflags' resume flag (RF) is the kernel's bookkeeping, not the program's
// state (pushf never shows it): a thread interrupted in user code may come
// back with it set or not, so it is not compared.
Status ReplayChecks::compare_regs(const user_regs_struct& got, const user_regs_struct& want, uint32_t ignore,
                                  const std::string& where) const {
  constexpr uint64_t kFlagResume = 1u << 16;
  auto a = arch::to_array(got), b = arch::to_array(want);
  static const size_t eflags = static_cast<size_t>(arch::reg_index("eflags"));
  a[eflags] &= ~kFlagResume;
  b[eflags] &= ~kFlagResume;
  int diff = arch::first_difference(a, b, ignore);
  if (diff < 0) return ok_status();
  return diverged(where + ": register " + arch::reg_name(static_cast<size_t>(diff)) + " is " +
                  hex(a[diff]) + " in replay but " + hex(b[diff]) + " in the recording");
}

Status ReplayChecks::syscall_entry(ptrace::Tracee& t, const ptrace::Stop& stop,
                                   schema::SyscallEvent::Reader ev) const {
  std::string expected = "expected syscall " + syscalls::syscall_name(ev.getNumber());
  if (stop.kind != ptrace::StopKind::kSyscall) return diverged(expected + ", but " + describe_stop(stop));
  auto regs = t.regs();
  if (!regs) return regs.error();
  int64_t nr = static_cast<int64_t>(regs->orig_rax);
  if (nr != ev.getNumber())
    return diverged(expected + ", but the program made syscall " + syscalls::syscall_name(nr) + " at rip " +
                    hex(regs->rip));
  const syscalls::SyscallSpec* spec = syscalls::find_syscall(nr);
  unsigned nargs = spec ? spec->nargs : 6;
  uint64_t got[6] = {regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8, regs->r9};
  auto want = ev.getArgs();
  for (unsigned i = 0; i < nargs && i < want.size(); ++i) {
    if (got[i] != want[i])
      return diverged("syscall " + syscalls::syscall_name(nr) + " argument " + std::to_string(i + 1) +
                      " is " + hex(got[i]) + " in replay but " + hex(want[i]) + " in the recording");
  }
  uint64_t want_rip = load_user_regs(ev.getRegsAfter()).rip;
  // execve and rt_sigreturn return somewhere else: their recorded rip is not
  // the syscall's.
  bool rip_moves = nr == SYS_execve || nr == SYS_execveat || nr == SYS_rt_sigreturn;
  if (regs->rip != want_rip && !rip_moves)
    return diverged("syscall " + syscalls::syscall_name(nr) + " made from rip " + hex(regs->rip) +
                    " in replay but " + hex(want_rip) + " in the recording");
  return ok_status();
}

Status ReplayChecks::syscall_entered(ptrace::Tracee& t, const ptrace::Stop& stop, int64_t nr) const {
  std::string expected = "expected an entry into syscall " + syscalls::syscall_name(nr);
  if (stop.kind != ptrace::StopKind::kSyscall) return diverged(expected + ", but " + describe_stop(stop));
  auto regs = t.regs();
  if (!regs) return regs.error();
  if (static_cast<int64_t>(regs->orig_rax) != nr)
    return diverged(expected + ", but the program made syscall " +
                    syscalls::syscall_name(static_cast<int64_t>(regs->orig_rax)) + " at rip " + hex(regs->rip));
  return ok_status();
}

Status ReplayChecks::syscall_exit(const ptrace::Stop& stop, schema::SyscallEvent::Reader ev) const {
  if (stop.kind == ptrace::StopKind::kSyscall) return ok_status();
  return diverged("syscall " + syscalls::syscall_name(ev.getNumber()) + " did not return: " + describe_stop(stop));
}

Status ReplayChecks::executed_result(int64_t got, schema::SyscallEvent::Reader ev) const {
  if (got == ev.getResult()) return ok_status();
  return diverged("syscall " + syscalls::syscall_name(ev.getNumber()) + " returned " + std::to_string(got) +
                  " in replay but " + std::to_string(ev.getResult()) + " in the recording");
}

Status ReplayChecks::registers_after(const user_regs_struct& got, const user_regs_struct& want,
                                     bool args_rewritten, schema::SyscallEvent::Reader ev) const {
  return compare_regs(got, want, args_rewritten ? arg_regs_mask() : 0,
                      "after syscall " + syscalls::syscall_name(ev.getNumber()));
}

Error ReplayChecks::needs_tick_clock(const std::string& what, uint64_t rip) const {
  return make_error(ErrorKind::kUnsupported, "at event " + std::to_string(r_.event_number()) + ", " + what +
                                                 " (rip " + hex(rip) +
                                                 "); replaying that needs the tick clock, which ebb does not have yet");
}

Status ReplayChecks::async_signal_point(ptrace::Tracee& t, schema::SignalEvent::Reader ev) const {
  auto regs = t.regs();
  if (!regs) return regs.error();
  user_regs_struct want = load_user_regs(ev.getRegs());
  if (regs->rip != want.rip) return needs_tick_clock(signal_name(ev.getSigno()) + " arrived in syscall-free code", want.rip);
  return compare_regs(*regs, want, 0, "before " + signal_name(ev.getSigno()));
}

Status ReplayChecks::signal_stop(ptrace::Tracee& t, const ptrace::Stop& stop,
                                 schema::SignalEvent::Reader ev) const {
  std::string expected = "expected " + signal_name(ev.getSigno());
  if (stop.kind != ptrace::StopKind::kSignal || stop.sig != ev.getSigno())
    return diverged(expected + ", but " + describe_stop(stop));
  auto regs = t.regs();
  if (!regs) return regs.error();
  return compare_regs(*regs, load_user_regs(ev.getRegs()), 0, "at " + signal_name(ev.getSigno()));
}

Result<arch::TrappedInsn> ReplayChecks::trapped_instruction(ptrace::Tracee& t, const ptrace::Stop& stop,
                                                            schema::InstructionEvent::Reader ev) const {
  static constexpr arch::TrappedInsn kKinds[] = {arch::TrappedInsn::kRdtsc, arch::TrappedInsn::kRdtscp,
                                                 arch::TrappedInsn::kCpuid};
  arch::TrappedInsn want = kKinds[static_cast<int>(ev.getKind()) % 3];
  std::string expected = std::string("expected the program to execute ") + arch::trapped_insn_name(want) +
                         " at " + hex(ev.getRip());
  if (stop.kind != ptrace::StopKind::kSignal || stop.sig != SIGSEGV)
    return diverged(expected + ", but " + describe_stop(stop));
  auto regs = t.regs();
  if (!regs) return regs.error();
  uint8_t bytes[3] = {};
  EBB_TRY(t.read(RemoteAddr(regs->rip), bytes, sizeof bytes));
  arch::TrappedInsn got = arch::classify_trapped_insn(bytes);
  if (regs->rip != ev.getRip() || got != want)
    return diverged(expected + ", but it faulted at " + hex(regs->rip) + " (" + arch::trapped_insn_name(got) + ")");
  if (want == arch::TrappedInsn::kCpuid &&
      (static_cast<uint32_t>(regs->rax) != ev.getInEax() || static_cast<uint32_t>(regs->rcx) != ev.getInEcx()))
    return diverged(expected + " with leaf " + hex(ev.getInEax()) + ", but the leaf is " + hex(uint32_t(regs->rax)));
  return got;
}

Status ReplayChecks::exit(const ptrace::Stop& stop, schema::ExitEvent::Reader ev) const {
  bool ok = ev.getExited() ? (stop.kind == ptrace::StopKind::kExited && stop.status == ev.getStatus())
                           : (stop.kind == ptrace::StopKind::kKilled && stop.sig == ev.getStatus());
  if (ok) return ok_status();
  std::string want = ev.getExited() ? "an exit with status " + std::to_string(ev.getStatus())
                                    : "death by " + signal_name(ev.getStatus());
  return diverged("expected " + want + ", but " + describe_stop(stop));
}

}  // namespace ebb::session
