#include "engine/session/replay_session.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "engine/arch/cpu.h"
#include "engine/session/trampoline_exit.h"
#include "engine/base/log.h"
#include "engine/session/address_space.h"
#include "engine/session/cpu_pin.h"
#include "engine/session/event_codec.h"
#include "engine/session/replay_checks.h"
#include "engine/session/replay_task.h"
#include "engine/session/signal_frame.h"
#include "engine/ptrace/proc_maps.h"
#include "engine/syscalls/handlers.h"
#include "engine/syscalls/table.h"
#include "engine/trace/reader.h"
#include "engine/trace/saved_files.h"

namespace ebb::session {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kSkipSyscall = static_cast<uint64_t>(-1);

uint64_t page_up(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

bool is_interrupted(int64_t result) {
  return result == -EINTR || result == -512 || result == -513 || result == -514 || result == -516;
}

bool is_fault_signal(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP;
}

}  // namespace

// Signals the replay did not ask for (SIGCHLD from a child that really
// exited, anything sent from outside) are dropped: the recorded ones are
// injected by ebb itself (tkill from ebb's pid), and faults come from the
// program's own instructions.
bool Replayer::is_foreign_signal(ReplayTask& task, int sig) {
  auto info = task.t.siginfo();
  if (!info) return false;
  if (is_fault_signal(sig) && info->si_code > 0) return false;
  return !(info->si_code == SI_TKILL && info->si_pid == getpid());
}

Result<ptrace::Stop> Replayer::wait_for(ReplayTask& task, int expected_sig) {
  while (true) {
    auto stop = debug_ ? wait_interruptible(task) : task.t.wait();
    if (!stop) return stop.error();
    log_debug("wait_for %d: kind %d event %d sig %d", task.t.pid(), static_cast<int>(stop->kind), stop->event,
              stop->sig);
    // PTRACE_EVENT_STOP here is a group-stop (a recorded SIGSTOP delivered
    // again): job control is not replayed, the task goes on as it did.
    if (stop->kind == ptrace::StopKind::kEvent &&
        (stop->event == PTRACE_EVENT_EXIT || stop->event == PTRACE_EVENT_STOP)) {
      EBB_TRY(task.t.resume_syscall(0));
      continue;
    }
    if (debug_ && stop->kind == ptrace::StopKind::kSignal && stop->sig == SIGTRAP) {
      auto handled = on_debug_trap(task, *stop);
      if (!handled) return handled.error();
      if (*handled) continue;
    }
    // A signal ebb sent can merge with a real one of the same number already
    // pending (SIGCHLD from a child that really exited): take either.
    if (stop->kind == ptrace::StopKind::kSignal && stop->sig != expected_sig && is_foreign_signal(task, stop->sig)) {
      // Resumed as before: a single step the debugger asked for goes on.
      EBB_TRY(debug_ ? resume_for_debugger(task) : task.t.resume_syscall(0));
      continue;
    }
    return stop;
  }
}

Status Replayer::enter_pending_handler(ReplayTask& task) {
  if (!task.pending_sig) return ok_status();
  auto entered = enter_handler(task.t, task.pending_sig);
  if (!entered) {
    if (entered.error().kind == ErrorKind::kUnsupported) return check_.diverged(entered.error().message);
    return entered.error();
  }
  if (*entered) task.pending_sig = 0;
  return ok_status();
}

Result<ptrace::Stop> Replayer::resume_and_wait(ReplayTask& task, int expected_sig) {
  if (debug_) {
    EBB_TRY(resume_for_debugger(task));
  } else {
    EBB_TRY(enter_pending_handler(task));
    EBB_TRY(task.t.resume_syscall(task.pending_sig));
    task.pending_sig = 0;
  }
  return wait_for(task, expected_sig);
}

Status Replayer::rewrite_memory_syscall(ReplayTask& task, schema::SyscallEvent::Reader ev, user_regs_struct& regs) {
  int64_t nr = ev.getNumber();
  int64_t result = ev.getResult();
  if (nr == SYS_brk) {
    // The stub's kernel-side break is not the recorded one: grow and shrink
    // the heap with mmap/munmap at the recorded addresses instead.
    uint64_t& brk = brk_[task.tgid];
    uint64_t want = static_cast<uint64_t>(result);
    uint64_t old_top = page_up(brk), new_top = page_up(want);
    if (new_top > old_top) {
      regs.orig_rax = SYS_mmap;
      regs.rdi = old_top;
      regs.rsi = new_top - old_top;
      regs.rdx = PROT_READ | PROT_WRITE;
      regs.r10 = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
      regs.r8 = static_cast<uint64_t>(-1);
      regs.r9 = 0;
    } else if (new_top < old_top) {
      regs.orig_rax = SYS_munmap;
      regs.rdi = new_top;
      regs.rsi = old_top - new_top;
    } else {
      regs.orig_rax = kSkipSyscall;
    }
    brk = want;
    return ok_status();
  }
  if (result < 0 && result > -4096) {
    regs.orig_rax = kSkipSyscall;
    return ok_status();
  }
  if (nr == SYS_mmap) {
    uint64_t flags = regs.r10 & ~static_cast<uint64_t>(MAP_FIXED_NOREPLACE);
    if (!(flags & MAP_ANONYMOUS)) {
      // File contents come from the trace, not from the file. A shared
      // writable mapping stays shared (with children forked later).
      // The sharing type is a 2-bit field (MAP_SHARED_VALIDATE is 3), not flags.
      uint64_t type = flags & MAP_TYPE;
      bool shared = (type == MAP_SHARED || type == MAP_SHARED_VALIDATE) && (regs.rdx & PROT_WRITE);
      flags &= ~static_cast<uint64_t>(MAP_TYPE | MAP_DENYWRITE);
      flags |= (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS;
      regs.r8 = static_cast<uint64_t>(-1);
      regs.r9 = 0;
    }
    regs.rdi = static_cast<uint64_t>(result);
    regs.r10 = flags | MAP_FIXED;
  } else if (nr == SYS_mremap && static_cast<uint64_t>(result) != regs.rdi) {
    regs.r10 |= MREMAP_MAYMOVE | MREMAP_FIXED;
    regs.r8 = static_cast<uint64_t>(result);
  }
  return ok_status();
}

Status Replayer::on_syscall(ReplayTask& task, schema::SyscallEvent::Reader ev) {
  const syscalls::SyscallSpec* spec = syscalls::find_syscall(ev.getNumber());
  auto policy = spec ? spec->policy : syscalls::ReplayPolicy::kEmulate;
  if (task.in_syscall) {
    // A clone parent: the syscall already ran (see on_clone).
    task.in_syscall = false;
    auto stop = wait_for(task);
    if (!stop) return stop.error();
    EBB_TRY(check_.syscall_exit(*stop, ev));
    return finish_syscall(task, ev, spec, false);
  }
  auto stop = to_entry(task);
  if (!stop) return stop.error();
  EBB_TRY(check_.syscall_entry(task.t, *stop, ev));
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  int shadow = shadowed_fd(task, ev);
  if (shadow >= 0) return run_on_shadow(task, ev, shadow);
  if (ev.getNumber() == SYS_memfd_create && ev.getResult() >= 0) return run_memfd_create(task, ev);
  if (ev.getNumber() == SYS_rt_sigsuspend && is_interrupted(ev.getResult())) {
    // Its temporary signal mask decides whether the signal gets through, and
    // only the kernel can apply it: run it for real once the signal is sent.
    task.deferred_sigsuspend = true;
    task.deferred_result = ev.getResult();
    task.deferred_regs = load_user_regs(ev.getRegsAfter());
    return ok_status();
  }
  bool rewritten = false;
  switch (policy) {
    case syscalls::ReplayPolicy::kExecute:
      break;
    case syscalls::ReplayPolicy::kExit:
      task.exiting = true;
      if (ev.getNumber() == SYS_exit) return finish_thread_exit(task);
      return task.t.resume_syscall(0);
    case syscalls::ReplayPolicy::kMemory:
      EBB_TRY(rewrite_memory_syscall(task, ev, *regs));
      EBB_TRY(task.t.set_regs(*regs));
      rewritten = true;
      break;
    default:  // emulated; also a clone that failed in the recording
      regs->orig_rax = kSkipSyscall;
      EBB_TRY(task.t.set_regs(*regs));
      break;
  }
  // From the entry stop to the exit stop: never a single step (the kernel
  // would end it with a SIGTRAP instead of the exit stop).
  task.in_replayed_syscall = true;
  stop = resume_and_wait(task);
  task.in_replayed_syscall = false;
  if (!stop) return stop.error();
  EBB_TRY(check_.syscall_exit(*stop, ev));
  return finish_syscall(task, ev, spec, rewritten);
}

Status Replayer::fill_mapping(ReplayTask& task, schema::Mapping::Reader m) {
  if (m.getData().size() > 0) return task.t.write(RemoteAddr(m.getStart()), m.getData().begin(), m.getData().size());
  if (!m.hasSavedFile()) return ok_status();
  // The file's bytes from the trace's copy of it; zeros follow where it ends.
  std::string name(m.getSavedFile().cStr(), m.getSavedFile().size());
  auto range = trace::map_saved_file(r_.dir(), name, m.getOffset(), m.getEnd() - m.getStart());
  if (!range) return range.error();
  if (digests_.digest(*range) != m.getSavedDigest())
    return make_error(ErrorKind::kTraceCorrupt, "trace " + r_.dir() + " is corrupt: files/" + name +
                                                    " no longer holds the bytes the program mapped at event " +
                                                    std::to_string(r_.event_number()));
  auto bytes = range->bytes();
  return task.t.write(RemoteAddr(m.getStart()), bytes.data(), bytes.size());
}

Status Replayer::finish_syscall(ReplayTask& task, schema::SyscallEvent::Reader ev, const syscalls::SyscallSpec* spec,
                                bool args_rewritten) {
  auto policy = spec ? spec->policy : syscalls::ReplayPolicy::kEmulate;
  // A successful exec: the exec event that follows rebuilds everything.
  if (policy == syscalls::ReplayPolicy::kExec && ev.getResult() == 0) return ok_status();
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  bool executed = policy == syscalls::ReplayPolicy::kExecute ||
                  (policy == syscalls::ReplayPolicy::kMemory && ev.getNumber() != SYS_brk &&
                   regs->orig_rax != kSkipSyscall);
  if (executed && ev.getNumber() != SYS_set_tid_address)
    EBB_TRY(check_.executed_result(static_cast<int64_t>(regs->rax), ev));
  if (ev.getNumber() == SYS_set_tid_address) task.clear_child_tid = ev.getArgs()[0];
  if (policy != syscalls::ReplayPolicy::kExecute) {
    for (auto w : ev.getWrites()) EBB_TRY(task.t.write(RemoteAddr(w.getAddr()), w.getData().begin(), w.getData().size()));
    if (ev.hasMapping()) EBB_TRY(fill_mapping(task, ev.getMapping()));
  }
  EBB_TRY(forget_changed_code(task, ev));
  if (policy == syscalls::ReplayPolicy::kSpawn && ev.getResult() > 0 && ev.getNumber() == SYS_clone &&
      (ev.getArgs()[0] & CLONE_PARENT_SETTID)) {
    int32_t tid = static_cast<int32_t>(ev.getResult());
    EBB_TRY(task.t.write(RemoteAddr(ev.getArgs()[2]), &tid, sizeof tid));
  }
  if (task.leaked_scratch) {
    auto r = ptrace::remote_syscall(task.t, RemoteAddr(regs->rip - 2), SYS_munmap, task.leaked_scratch, 4096);
    if (!r) return r.error();
    task.leaked_scratch = 0;  // `regs` still holds the state before the munmap
  }
  return complete_syscall(task, ev, *regs, args_rewritten);
}

// The end of every replayed syscall: registers as recorded (checked first),
// output echoed, and the debugger told if it watches or steps here.
Status Replayer::complete_syscall(ReplayTask& task, schema::SyscallEvent::Reader ev, user_regs_struct regs,
                                  bool args_rewritten) {
  user_regs_struct want = load_user_regs(ev.getRegsAfter());
  regs.rax = want.rax;
  regs.orig_rax = want.orig_rax;
  EBB_TRY(check_.registers_after(regs, want, args_rewritten, ev));
  EBB_TRY(task.t.set_regs(want));
  EBB_TRY(check_ticks(task));
  if (ev.getEchoFd() != 0 && !(debug_ && debug_->quiet())) EBB_TRY(echo_output(task, ev));
  if (debugged(task)) check_watched_writes(task, ev);
  if (task.stepping) debug_stop(task, DebugStopKind::kStep);  // the step was this syscall
  return ok_status();
}

Status Replayer::echo_output(ReplayTask& task, schema::SyscallEvent::Reader ev) {
  auto args = ev.getArgs();
  int64_t left = ev.getResult();
  std::vector<std::pair<uint64_t, uint64_t>> pieces;
  if (ev.getNumber() == SYS_writev || ev.getNumber() == SYS_pwritev) {
    for (uint64_t i = 0; i < args[2] && left > 0; ++i) {
      struct iovec iov;
      EBB_TRY(task.t.read(RemoteAddr(args[1] + i * sizeof iov), &iov, sizeof iov));
      uint64_t n = std::min<uint64_t>(iov.iov_len, static_cast<uint64_t>(left));
      pieces.push_back({reinterpret_cast<uint64_t>(iov.iov_base), n});
      left -= static_cast<int64_t>(n);
    }
  } else {
    pieces.push_back({args[1], static_cast<uint64_t>(left)});
  }
  int fd = ev.getEchoFd() == 2 ? 2 : 1;
  for (auto [addr, len] : pieces) {
    std::vector<uint8_t> buf(len);
    EBB_TRY(task.t.read(RemoteAddr(addr), buf.data(), len));
    size_t done = 0;
    while (done < len) {
      ssize_t n = ::write(fd, buf.data() + done, len - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ok_status();  // our own output closed: replay goes on
      done += static_cast<size_t>(n);
    }
  }
  return ok_status();
}

Status Replayer::run_deferred_sigsuspend(ReplayTask& task, int sig) {
  task.deferred_sigsuspend = false;
  if (sig && syscall(SYS_tkill, task.t.pid(), sig) < 0) return os_error("tkill");
  if (!sig) {  // no signal came: the recording's result stands
    auto regs = task.t.regs();
    if (!regs) return regs.error();
    regs->orig_rax = kSkipSyscall;
    EBB_TRY(task.t.set_regs(*regs));
  }
  EBB_TRY(task.t.resume_syscall(0));
  auto stop = wait_for(task, sig);
  if (!stop) return stop.error();
  if (stop->kind != ptrace::StopKind::kSyscall) return check_.diverged("rt_sigsuspend did not return");
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (sig && static_cast<int64_t>(regs->rax) != task.deferred_result)
    return check_.diverged("rt_sigsuspend returned " + std::to_string(static_cast<int64_t>(regs->rax)) +
                           " in replay but " + std::to_string(task.deferred_result) + " in the recording");
  return task.t.set_regs(task.deferred_regs);
}

// A signal that arrived just as a syscall returned (an interrupt on the way back to user mode:
// orig_rax -1 in the recording) finds the replayed thread still on that syscall's way out (its
// exit stop, or the delivery stop of a signal before this one), in the same state but for
// orig_rax, which only tells the kernel whether to restart the call: none is to be restarted
// when the result is no restart code.
Status Replayer::leave_syscall_for_signal(ReplayTask& task, schema::SignalEvent::Reader ev) {
  const user_regs_struct want = load_user_regs(ev.getRegs());
  if (want.orig_rax != ~uint64_t{0}) return ok_status();
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (regs->orig_rax == ~uint64_t{0} || regs->rip != want.rip) return ok_status();
  const int64_t result = static_cast<int64_t>(regs->rax);
  namespace abi = syscalls::abi;
  if (result == -abi::kERestartSys || result == -abi::kERestartNoIntr || result == -abi::kERestartNoHand ||
      result == -abi::kERestartRestartBlock)
    return ok_status();
  auto phase = task.t.syscall_phase();
  if (!phase) return phase.error();
  if (*phase == ptrace::SyscallPhase::kEntry) return ok_status();
  log_debug("replay: %s arrived as syscall %lld returned: delivered from its exit stop", signal_name(ev.getSigno()).c_str(),
            static_cast<long long>(regs->orig_rax));
  regs->orig_rax = ~uint64_t{0};
  return task.t.set_regs(*regs);
}

Status Replayer::on_signal(ReplayTask& task, schema::SignalEvent::Reader ev) {
  int sig = ev.getSigno();
  if (task.deferred_sigsuspend) {
    EBB_TRY(run_deferred_sigsuspend(task, sig));
  } else if (!ev.getSynchronous()) {
    // A sent signal: the recording saw it delivered here, right after the
    // task's previous event. Send it now so it is delivered at the same point.
    // Wherever it arrived: with the tick clock, the thread goes to that tick
    // and those registers (at once when it stands there already).
    if (soft_ticks_ && !at_recorded_point(task, ev))
      EBB_TRY(run_to_point(task, r_.event().getTicks(), load_user_regs(ev.getRegs()), load_point_digest(ev.getMemory(), r_.format_version())));
    EBB_TRY(leave_syscall_for_signal(task, ev));
    EBB_TRY(check_.async_signal_point(task.t, ev));
    if (syscall(SYS_tkill, task.t.pid(), sig) < 0) return os_error("tkill");
  }
  auto stop = resume_and_wait(task, sig);
  if (!stop) return stop.error();
  // As the recorder did: a fault in a displaced instruction's copy shows at the original.
  if (auto clock = clocks_.find(task.tgid); clock != clocks_.end()) {
    auto moved = leave_trampoline(*clock->second, task.t);
    if (!moved) return moved.error();
  }
  EBB_TRY(check_.signal_stop(task.t, *stop, ev));
  siginfo_t info;
  auto raw = ev.getSiginfo();
  if (raw.size() != sizeof info) return check_.corrupt("a signal event's siginfo has the wrong size");
  std::memcpy(&info, raw.begin(), sizeof info);
  EBB_TRY(task.t.set_siginfo(info));
  EBB_TRY(check_ticks(task));
  task.pending_sig = sig;
  if (debugged(task)) debug_stop(task, DebugStopKind::kSignal, sig);
  return ok_status();
}

Status Replayer::on_instruction(ReplayTask& task, schema::InstructionEvent::Reader ev) {
  auto stop = resume_and_wait(task);
  if (!stop) return stop.error();
  auto insn = check_.trapped_instruction(task.t, *stop, ev);
  if (!insn) return insn.error();
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  regs->rax = ev.getRax();
  regs->rdx = ev.getRdx();
  if (*insn == arch::TrappedInsn::kCpuid) regs->rbx = ev.getRbx();
  if (*insn != arch::TrappedInsn::kRdtsc) regs->rcx = ev.getRcx();
  regs->rip += arch::trapped_insn_length(*insn);
  EBB_TRY(task.t.set_regs(*regs));
  EBB_TRY(check_ticks(task));
  if (task.stepping) debug_stop(task, DebugStopKind::kStep);
  return ok_status();
}

// As in the recording, exit(2) completes (its tid word cleared) before
// anything else runs.
Status Replayer::finish_thread_exit(ReplayTask& task) {
  EBB_TRY(task.t.resume_syscall(0));
  auto stop = task.t.wait();
  if (!stop) return stop.error();
  if (stop->kind == ptrace::StopKind::kEvent) {
    EBB_TRY(task.t.resume_syscall(0));
    return ptrace::wait_until_zombie(task.t.pid());
  }
  task.exited_stop = *stop;  // already dead (no PTRACE_EVENT_EXIT stop)
  return ok_status();
}

Result<ptrace::Stop> Replayer::to_entry(ReplayTask& task) {
  if (!task.at_entry) return resume_and_wait(task);
  task.at_entry = false;
  return ptrace::Stop{ptrace::StopKind::kSyscall};
}

Status Replayer::on_syscall_entry(ReplayTask& task, schema::SyscallEntryEvent::Reader ev) {
  auto stop = to_entry(task);
  if (!stop) return stop.error();
  EBB_TRY(check_.syscall_entered(task.t, *stop, ev.getNumber()));
  task.at_entry = true;
  return ok_status();
}

Status Replayer::dispatch(schema::Event::Reader ev) {
  pid_t tid = ev.getTid();
  if (ev.which() == schema::Event::EXEC) return on_exec(tid, ev.getExec());
  if (tasks_.empty()) return check_.corrupt("the trace does not start with the program's exec");
  if (ev.which() == schema::Event::EXIT) return on_exit(tid, ev.getExit());
  ReplayTask* t = task(tid);
  if (!t) return check_.corrupt("event for unknown task " + std::to_string(tid));
  if (t->deferred_sigsuspend && ev.which() != schema::Event::SIGNAL) EBB_TRY(run_deferred_sigsuspend(*t, 0));
  switch (ev.which()) {
    case schema::Event::SYSCALL: return on_syscall(*t, ev.getSyscall());
    case schema::Event::SIGNAL: return on_signal(*t, ev.getSignal());
    case schema::Event::INSTRUCTION: return on_instruction(*t, ev.getInstruction());
    case schema::Event::CLONE: return on_clone(*t, ev.getClone());
    case schema::Event::SYSCALL_ENTRY: return on_syscall_entry(*t, ev.getSyscallEntry());
    case schema::Event::TICK_PATCH: return on_tick_patch(*t, ev.getTickPatch());
    case schema::Event::PREEMPT:
      if (soft_ticks_)
        return run_to_point(*t, ev.getTicks(), load_user_regs(ev.getPreempt().getRegs()),
                            load_point_digest(ev.getPreempt().getMemory(), r_.format_version()));
      return check_.needs_tick_clock("thread " + std::to_string(tid) + " was stopped in syscall-free code",
                                     load_user_regs(ev.getPreempt().getRegs()).rip);
    default: return check_.corrupt("unknown event kind");
  }
}

Result<ProgramOutcome> Replayer::run() {
  while (true) {
    auto more = r_.next();
    if (!more) return more.error();
    if (!*more) break;
    EBB_TRY(dispatch(r_.event()));
    if (debug_) {
      bool first = debug_->first_stop_due(r_.event_number());
      if (first || debug_->checkpoint_due(r_.event_number())) {
        for (auto& [tid, t] : tasks_) {
          if (!debugged(*t)) continue;
          debug_stop(*t, first ? DebugStopKind::kInitial : DebugStopKind::kCheckpoint);
          break;
        }
      }
    }
    if (debug_ && debug_->interrupted()) {
      for (auto& [tid, t] : tasks_) {
        if (!debugged(*t)) continue;
        debug_stop(*t, DebugStopKind::kInterrupted);
        break;
      }
    }
  }
  if (r_.complete() && r_.end_note().empty() && root_outcome_) return *root_outcome_;
  return check_.end_of_trace();
}

Result<ProgramOutcome> replay_autopilot(const ReplayConfig& config) {
  auto reader = trace::TraceReader::open(config.trace_dir);
  if (!reader) return reader.error();
  auto header = (*reader)->header();
  EBB_TRY(pin_for_replay(header));
  Replayer replayer(**reader, config.stub_path, header.getCpuidFaulting());
  return replayer.run();
}

}  // namespace ebb::session
