#include "engine/session/diversion.h"

#include <errno.h>
#include <signal.h>
#include <time.h>


namespace ebb::session {

namespace {
constexpr int kTrapBrkpt = 1;   // TRAP_BRKPT: a step's #DB without DR6's single-step bit (replay_debug.cpp)
constexpr int kTrapTrace = 2;   // TRAP_TRACE: a single step finished
constexpr int kTrapHwbkpt = 4;  // TRAP_HWBKPT: a debug register fired
constexpr uint8_t kInt3 = 0xcc;
}  // namespace

Result<std::unique_ptr<Diversion>> Diversion::begin(Replayer& replayer, pid_t tgid) {
  auto s = ProcessSnapshot::take(replayer, tgid);
  if (!s) return make_error(s.error().kind, "cannot change the replayed program: " + s.error().message);
  return std::unique_ptr<Diversion>(new Diversion(std::move(*s), tgid));
}

Result<bool> Diversion::registers_restored(Replayer& replayer) { return snapshot_.same_registers(replayer); }

Status Diversion::end(Replayer& replayer, const std::map<uint64_t, uint8_t>& breakpoints_then,
                      const std::map<uint64_t, uint8_t>& breakpoints_now) {
  EBB_TRY(snapshot_.restore(replayer));
  ReplayTask* task = nullptr;
  for (auto& [tid, t] : replayer.tasks())
    if (t->tgid == tgid_) task = t.get();
  if (!task) return ok_status();
  for (auto& [addr, orig] : breakpoints_then)
    if (!breakpoints_now.count(addr)) EBB_TRY(task->t.write(RemoteAddr(addr), &orig, 1));
  for (auto& [addr, orig] : breakpoints_now)
    if (!breakpoints_then.count(addr)) EBB_TRY(task->t.write(RemoteAddr(addr), &kInt3, 1));
  return ok_status();
}

// A syscall in a diversion does not run: it returns -ENOSYS.
Status Diversion::skip_syscall(ReplayTask& task) {
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  regs->orig_rax = static_cast<uint64_t>(-1);
  EBB_TRY(task.t.set_regs(*regs));
  EBB_TRY(task.t.resume_syscall(0));
  auto stop = task.t.wait();
  if (!stop) return stop.error();
  if (stop->kind != ptrace::StopKind::kSyscall) return make_error(ErrorKind::kTraceeGone, "the diverted thread died");
  regs = task.t.regs();
  if (!regs) return regs.error();
  regs->rax = static_cast<uint64_t>(-ENOSYS);
  return task.t.set_regs(*regs);
}

Result<std::optional<DebugStop>> Diversion::on_stop(ReplayTask& task, pid_t tid, bool step, const ptrace::Stop& stop,
                                                    DebugHook& hook) {
  using K = ptrace::StopKind;
  if (stop.kind == K::kExited) return std::optional<DebugStop>(DebugStop{DebugStopKind::kExited, tid, 0, stop.status});
  if (stop.kind == K::kKilled) return std::optional<DebugStop>(DebugStop{DebugStopKind::kKilled, tid, stop.sig});
  if (stop.kind == K::kSyscall) {
    EBB_TRY(skip_syscall(task));
    if (step) return std::optional<DebugStop>(DebugStop{DebugStopKind::kStep, tid});
    return std::optional<DebugStop>();
  }
  if (stop.kind == K::kEvent) {
    if (stop.event == PTRACE_EVENT_STOP && task.interrupting) {
      task.interrupting = false;
      return std::optional<DebugStop>(DebugStop{DebugStopKind::kInterrupted, tid});
    }
    return std::optional<DebugStop>();
  }
  if (stop.sig != SIGTRAP) return std::optional<DebugStop>(DebugStop{DebugStopKind::kSignal, tid, stop.sig});
  auto info = task.t.siginfo();
  if (!info) return info.error();
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (info->si_code == SI_KERNEL && hook.inserted_at(regs->rip - 1)) {
    regs->rip -= 1;
    EBB_TRY(task.t.set_regs(*regs));
    return std::optional<DebugStop>(DebugStop{DebugStopKind::kBreakpoint, tid});
  }
  if (info->si_code == kTrapHwbkpt) {
    if (uint64_t hit = hook.hardware_hit(task))
      return std::optional<DebugStop>(DebugStop{DebugStopKind::kWatch, tid, 0, 0, hit});
  }
  if ((info->si_code == kTrapTrace || info->si_code == kTrapBrkpt) && step) return std::optional<DebugStop>(DebugStop{DebugStopKind::kStep, tid});
  return std::optional<DebugStop>(DebugStop{DebugStopKind::kSignal, tid, SIGTRAP});
}

Result<DebugStop> Diversion::run(ReplayTask& task, pid_t tid, bool step, DebugHook& hook) {
  while (true) {
    auto regs = task.t.regs();
    if (!regs) return regs.error();
    uint8_t insn[2] = {};
    bool at_syscall = task.t.read(RemoteAddr(regs->rip), insn, 2).ok() && insn[0] == 0x0f && insn[1] == 0x05;
    if (step && at_syscall) {  // stepped by hand: the kernel must not run it
      regs->rip += 2;
      regs->rax = static_cast<uint64_t>(-ENOSYS);
      EBB_TRY(task.t.set_regs(*regs));
      return DebugStop{DebugStopKind::kStep, tid};
    }
    EBB_TRY(step ? task.t.resume_step(0) : task.t.resume_syscall(0));
    std::optional<ptrace::Stop> stop;
    while (!stop) {
      auto polled = task.t.poll();
      if (!polled) return polled.error();
      stop = *polled;
      if (stop) break;
      if (!task.interrupting && hook.interrupted()) {
        task.interrupting = true;
        EBB_TRY(task.t.interrupt());
      }
      struct timespec ts = {0, 500 * 1000};
      nanosleep(&ts, nullptr);
    }
    auto out = on_stop(task, tid, step, *stop, hook);
    if (!out) return out.error();
    if (*out) return **out;
  }
}

}  // namespace ebb::session
