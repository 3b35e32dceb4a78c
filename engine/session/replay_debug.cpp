// The replay's side of debugging: stopping for a DebugHook, single steps,
// and the traps of the breakpoints the debug session inserted.
#include <sched.h>
#include <signal.h>
#include <time.h>

#include "engine/session/replay_task.h"
#include "engine/session/signal_frame.h"

namespace ebb::session {

namespace {
constexpr int kTrapBrkpt = 1;   // TRAP_BRKPT: a #DB without the single-step bit in DR6
constexpr int kTrapTrace = 2;   // TRAP_TRACE: a single step finished
constexpr int kTrapHwbkpt = 4;  // TRAP_HWBKPT: a debug register fired
// ptrace_notify(SIGTRAP) after a signal delivered by PTRACE_SINGLESTEP (the
// kernel's signal_setup_done) reports si_code SIGTRAP.
constexpr int kTrapSignalDelivered = SIGTRAP;
// A single step through a trampoline: its tick sequence is a few dozen
// instructions at most.
constexpr int kMaxExtraSteps = 256;
constexpr int kMaxForeignSignals = 64;
}  // namespace

void Replayer::debug_stop(ReplayTask& task, DebugStopKind kind, int signal, int exit_code, uint64_t addr) {
  pid_t rec = 0;
  for (auto& [tid, t] : tasks_)
    if (t.get() == &task) rec = tid;
  for (auto& [tid, t] : tasks_) t->stepping = false;
  pid_t step = debug_->stopped(DebugStop{kind, rec, signal, exit_code, addr});
  if (ReplayTask* s = task_for_step(step)) s->stepping = true;
}

ReplayTask* Replayer::task_for_step(pid_t tid) { return tid ? task(tid) : nullptr; }

// With a debugger attached, a task asked to step runs one instruction; a
// `syscall` instruction is not stepped (the kernel would run it for real):
// the task goes to its syscall event, and the step ends when that is done.
Status Replayer::resume_for_debugger(ReplayTask& task) {
  EBB_TRY(arm_tick_stop(task));
  bool step = false;
  uint64_t pc = 0;
  if (task.stepping && !task.in_replayed_syscall) {
    auto regs = task.t.regs();
    if (!regs) return regs.error();
    pc = regs->rip;
    uint8_t insn[2] = {};
    step = !(task.t.read(RemoteAddr(pc), insn, sizeof insn).ok() && insn[0] == 0x0f && insn[1] == 0x05);
  }
  task.clear_frame_at_step = false;
  if (step && task.pending_sig) {
    // The step delivers the signal and ends at its handler's entry, where on_debug_trap clears
    // an asynchronous signal's frame (signal_frame.h).
    auto runs = runs_async_handler(task.t, task.pending_sig);
    if (!runs) return runs.error();
    task.clear_frame_at_step = *runs;
  } else {
    EBB_TRY(enter_pending_handler(task));
  }
  int sig = task.pending_sig;
  task.pending_sig = 0;
  if (step) {
    task.step_from = shown_pc(task, pc);
    task.extra_steps = 0;
    return task.t.resume_step(sig);
  }
  return task.t.resume_syscall(sig);
}

// A SIGTRAP while a debugger is attached: a breakpoint the session inserted
// (int3: pc is one past it) or the end of a single step. Returns false for a
// SIGTRAP that belongs to the recording.
Result<bool> Replayer::on_debug_trap(ReplayTask& task, const ptrace::Stop&) {
  auto info = task.t.siginfo();
  if (!info) return info.error();
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (info->si_code == SI_KERNEL && debug_->inserted_at(regs->rip - 1)) {
    regs->rip -= 1;
    EBB_TRY(task.t.set_regs(*regs));
    uint64_t addr = regs->rip;
    if (!debugged(task)) {
      // A forked child inherited the byte: it is not being debugged.
      EBB_TRY(debug_->lift(task, addr));
      EBB_TRY(task.t.resume_syscall(task.pending_sig));
      task.pending_sig = 0;
      return true;
    }
    debug_stop(task, DebugStopKind::kBreakpoint);
    if (debug_->inserted_at(addr)) {  // still there: step over it
      EBB_TRY(debug_->lift(task, addr));
      EBB_TRY(task.t.resume_step(0));
      auto stop = task.t.wait();
      // A signal from outside the recording (SIGCHLD: a checkpoint's copy,
      // a child of this process, ended) comes before the step: dropped.
      for (int i = 0; stop && stop->kind == ptrace::StopKind::kSignal && stop->sig != SIGTRAP &&
                      is_foreign_signal(task, stop->sig) && i < kMaxForeignSignals;
           ++i) {
        EBB_TRY(task.t.resume_step(0));
        stop = task.t.wait();
      }
      if (!stop) return stop.error();
      EBB_TRY(debug_->relay(task, addr));
      if (stop->kind != ptrace::StopKind::kSignal || stop->sig != SIGTRAP)
        return check_.diverged("stepping over a breakpoint at " + std::to_string(addr) + " did not stop");
      if (task.stepping) debug_stop(task, DebugStopKind::kStep);
    }
    EBB_TRY(resume_for_debugger(task));
    return true;
  }
  auto tick_stop = on_tick_stop_trap(task, regs->rip);
  if (!tick_stop) return tick_stop.error();
  if (*tick_stop) {
    EBB_TRY(resume_for_debugger(task));
    return true;
  }
  if (info->si_code == kTrapHwbkpt && debugged(task)) {
    bool fired = false;
    uint64_t hit = debug_->hardware_hit(task, &fired);
    if (hit || fired) {  // fired alone: a read watchpoint saw a write; a step may end here too
      if (hit) debug_stop(task, DebugStopKind::kWatch, 0, 0, hit);
      else if (task.stepping) debug_stop(task, DebugStopKind::kStep);
      EBB_TRY(resume_for_debugger(task));
      return true;
    }
  }
  if (info->si_code == kTrapSignalDelivered && task.stepping) {
    // A single step that delivered a signal stops at the handler's entry.
    EBB_TRY(task.clear_frame_at_step ? clear_frame(task.t) : clear_saved_trap_flag(task.t));
    task.clear_frame_at_step = false;
    debug_stop(task, DebugStopKind::kStep);
    EBB_TRY(resume_for_debugger(task));
    return true;
  }
  // A single step can also end with TRAP_BRKPT: the kernel reports a step over a syscall so,
  // and on this VM a step's #DB sometimes comes without DR6's single-step bit (seen stepping a
  // `leave` and a `je`, 1 time in 20 to 80 runs of reverse_step_next).
  if ((info->si_code == kTrapTrace || info->si_code == kTrapBrkpt) && task.stepping) {
    // Patched code (the soft tick clock): the jmp to a trampoline, its tick
    // sequence and the copy of the instruction the step started at are one
    // instruction of the program; the step goes on through them.
    bool same = inside_tick_sequence(task, regs->rip) || shown_pc(task, regs->rip) == task.step_from;
    if (same && ++task.extra_steps < kMaxExtraSteps) {
      EBB_TRY(task.t.resume_step(0));
      return true;
    }
    debug_stop(task, DebugStopKind::kStep);
    EBB_TRY(resume_for_debugger(task));
    return true;
  }
  return false;
}

// A single step into patched code (the soft tick clock) goes on through the
// trampoline's own instructions, so that it ends where one of the program's
// would: at its next instruction or at the copy of a displaced one (which
// DebugSession shows at its original address).
uint64_t Replayer::shown_pc(const ReplayTask& task, uint64_t pc) const {
  auto it = clocks_.find(task.tgid);
  if (it == clocks_.end()) return pc;
  auto where = it->second->lookup(pc);
  return where ? where->original.addr() : pc;
}

bool Replayer::inside_tick_sequence(const ReplayTask& task, uint64_t pc) const {
  auto it = clocks_.find(task.tgid);
  if (it == clocks_.end()) return false;
  auto where = it->second->lookup(pc);
  return where && !where->instruction_start;
}

// Polls instead of blocking, so that a debugger's interrupt stops the task
// within a few milliseconds wherever it runs (PTRACE_INTERRUPT).
Result<ptrace::Stop> Replayer::wait_interruptible(ReplayTask& task) {
  // ebb and the tracees share one CPU: yielding runs the tracee, so a stop
  // that comes soon (the next syscall) is seen at once; a long syscall-free
  // stretch falls back to sleeping.
  constexpr int kYields = 2000;
  int yields = 0;
  while (true) {
    auto stop = task.t.poll();
    if (!stop) return stop.error();
    if (*stop) {
      if ((*stop)->kind == ptrace::StopKind::kEvent && (*stop)->event == PTRACE_EVENT_STOP && task.interrupting) {
        task.interrupting = false;
        debug_stop(task, DebugStopKind::kInterrupted);
        EBB_TRY(resume_for_debugger(task));
        continue;
      }
      return **stop;
    }
    if (!task.interrupting && debug_->interrupted() && debugged(task)) {
      task.interrupting = true;
      EBB_TRY(task.t.interrupt());
    }
    if (yields < kYields) {
      ++yields;
      sched_yield();
      continue;
    }
    struct timespec ts = {0, 200 * 1000};
    nanosleep(&ts, nullptr);
  }
}

// Debug registers do not see the kernel's writes; in replay those are ebb's
// writes of the recorded bytes, so ebb checks them (a watchpoint on a buffer
// that read(2) fills stops right after the read).
void Replayer::check_watched_writes(ReplayTask& task, schema::SyscallEvent::Reader ev) {
  for (auto w : ev.getWrites()) {
    uint64_t hit = debug_->watched(w.getAddr(), w.getData().size());
    if (hit) {
      debug_stop(task, DebugStopKind::kWatch, 0, 0, hit);
      return;
    }
  }
}

}  // namespace ebb::session
