#include "engine/session/process_snapshot.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/ptrace/proc_maps.h"
#include "engine/session/replay_task.h"

namespace ebb::session {

namespace {

// Puts a thread that was copied out of a signal-delivery-stop back into one:
// the same signal, sent by ebb, with the recorded siginfo.
Status reenter_signal_stop(ptrace::Tracee& t, int sig, const siginfo_t& info) {
  if (syscall(SYS_tkill, t.pid(), sig) < 0) return os_error("tkill");
  EBB_TRY(t.resume_syscall(0));
  auto stop = t.wait();
  if (!stop) return stop.error();
  if (stop->kind != ptrace::StopKind::kSignal || stop->sig != sig)
    return make_error(ErrorKind::kDivergence,
                      "thread " + std::to_string(t.pid()) + " did not stop again at signal " + std::to_string(sig));
  return t.set_siginfo(info);
}

// Kills a thread and waits until it is gone.
Status kill_and_reap(ptrace::Tracee& t) {
  t.kill();
  while (true) {
    auto stop = t.wait();
    if (!stop) return ok_status();  // already reaped
    if (stop->kind == ptrace::StopKind::kExited || stop->kind == ptrace::StopKind::kKilled) return ok_status();
    (void)t.resume_syscall(0);  // PTRACE_EVENT_EXIT on the way out
  }
}

// A thread stopped at a syscall entry cannot run an injected syscall: the
// syscall is skipped, and the thread set back to run its `syscall`
// instruction again, from where it goes to the same entry.
Result<user_regs_struct> leave_syscall_entry(ReplayTask& task, user_regs_struct regs) {
  user_regs_struct skip = regs;
  skip.orig_rax = static_cast<uint64_t>(-1);
  EBB_TRY(task.t.set_regs(skip));
  EBB_TRY(task.t.resume_syscall(0));
  auto stop = task.t.wait();
  if (!stop) return stop.error();
  if (stop->kind != ptrace::StopKind::kSyscall)
    return make_error(ErrorKind::kDivergence, "thread " + std::to_string(task.t.pid()) + " did not leave its syscall");
  regs.rip -= 2;
  regs.rax = regs.orig_rax;
  regs.orig_rax = static_cast<uint64_t>(-1);
  EBB_TRY(task.t.set_regs(regs));
  task.at_entry = false;
  return regs;
}

}  // namespace

std::string why_not_copyable(const ReplayTask& task) {
  if (task.in_syscall) return "a thread is in the middle of a clone";
  if (task.exiting || task.exited_stop) return "a thread is exiting";
  if (task.vfork_parent) return "a vfork child shares its parent's memory";
  if (task.deferred_sigsuspend) return "a thread is in rt_sigsuspend";
  if (task.leaked_scratch) return "a vfork child's exec is being cleaned up";
  return "";
}

Result<ProcessSnapshot> ProcessSnapshot::take(Replayer& replayer, pid_t tgid) {
  ReplayTask* task = nullptr;
  int threads = 0;
  for (auto& [tid, t] : replayer.tasks()) {
    if (t->tgid != tgid) continue;
    ++threads;
    task = t.get();
  }
  if (!task) return make_error(ErrorKind::kBadInput, "process " + std::to_string(tgid) + " is not running here");
  if (threads > 1)
    return make_error(ErrorKind::kUnsupported, "process " + std::to_string(tgid) +
                                                   " has several threads: ebb cannot copy it yet");
  std::string why = why_not_copyable(*task);
  if (!why.empty()) return make_error(ErrorKind::kUnsupported, "cannot copy process " + std::to_string(tgid) +
                                                                   " here: " + why + "; step on a little");
  if (replayer.has_shadows(tgid))
    return make_error(ErrorKind::kUnsupported, "process " + std::to_string(tgid) +
                                                   " uses a memfd: ebb cannot copy it yet");
  auto maps = ptrace::read_maps(task->t.pid());
  if (!maps) return maps.error();
  for (const ptrace::MapEntry& m : *maps)
    if (m.shared && (m.prot & PROT_WRITE))
      return make_error(ErrorKind::kUnsupported, "process " + std::to_string(tgid) +
                                                     " has shared writable memory: ebb cannot copy it yet");
  ProcessSnapshot s;
  s.tgid_ = tgid;
  s.tid_ = tgid;
  for (auto& [tid, t] : replayer.tasks())
    if (t.get() == task) s.tid_ = tid;
  auto regs = task->t.regs();
  if (!regs) return regs.error();
  s.stop_sig_ = task->pending_sig;
  if (s.stop_sig_) {
    auto info = task->t.siginfo();
    if (!info) return info.error();
    s.info_ = *info;
  }
  if (task->at_entry) {
    regs = leave_syscall_entry(*task, *regs);
    if (!regs) return regs.error();
  }
  s.regs_ = *regs;
  uint64_t insn = ptrace::find_syscall_instruction(task->t);
  s.syscall_insn_ = insn;
  if (!insn) return make_error(ErrorKind::kUnsupported, "process " + std::to_string(tgid) + " has no syscall instruction");
  auto copy = ptrace::remote_fork(task->t, RemoteAddr(insn));
  EBB_TRY(task->t.set_regs(s.regs_));
  if (!copy) return copy.error();
  s.copy_ = *copy;
  ptrace::Tracee c(s.copy_);
  EBB_TRY(c.set_regs(s.regs_));
  if (s.stop_sig_) EBB_TRY(reenter_signal_stop(task->t, s.stop_sig_, s.info_));
  return s;
}

ProcessSnapshot::ProcessSnapshot(ProcessSnapshot&& other) noexcept { *this = std::move(other); }

ProcessSnapshot& ProcessSnapshot::operator=(ProcessSnapshot&& other) noexcept {
  if (this == &other) return *this;
  if (copy_) ptrace::Tracee(copy_).kill();
  tgid_ = other.tgid_;
  tid_ = other.tid_;
  copy_ = other.copy_;
  regs_ = other.regs_;
  syscall_insn_ = other.syscall_insn_;
  stop_sig_ = other.stop_sig_;
  info_ = other.info_;
  other.copy_ = 0;
  return *this;
}

ProcessSnapshot::~ProcessSnapshot() {
  if (copy_) {
    ptrace::Tracee c(copy_);
    (void)kill_and_reap(c);
  }
}

Status ProcessSnapshot::restore(Replayer& replayer) {
  ReplayTask* task = replayer.find_task(tid_);
  if (!task) return make_error(ErrorKind::kBadInput, "thread " + std::to_string(tid_) + " is gone");
  if (!copy_) return make_error(ErrorKind::kBadInput, "the copy of process " + std::to_string(tgid_) + " is gone");
  EBB_TRY(kill_and_reap(task->t));
  return take_place_of(*task);
}

// The copy is let go inside pause(2): it sleeps there, running none of the
// program's code, until the process that adopts it stops it and puts its
// registers back.
Status ProcessSnapshot::hand_over() {
  ptrace::Tracee c(copy_);
  user_regs_struct r = regs_;
  r.rip = syscall_insn_;
  r.rax = SYS_pause;
  r.orig_rax = static_cast<uint64_t>(-1);
  EBB_TRY(c.set_regs(r));
  return c.detach(0);
}

Status ProcessSnapshot::adopt(Replayer& replayer) {
  ReplayTask* task = replayer.find_task(tid_);
  if (!task) return make_error(ErrorKind::kBadInput, "thread " + std::to_string(tid_) + " is gone");
  EBB_TRY(ptrace::seize_and_stop(copy_, kReplayTraceOptions));
  return take_place_of(*task);
}

Status ProcessSnapshot::take_place_of(ReplayTask& t) {
  ReplayTask* task = &t;
  task->t.set_tid(copy_);
  EBB_TRY(task->t.set_regs(regs_));
  copy_ = 0;
  task->at_entry = false;
  task->stepping = false;
  task->interrupting = false;
  task->pending_sig = stop_sig_;
  if (stop_sig_) EBB_TRY(reenter_signal_stop(task->t, stop_sig_, info_));
  return ok_status();
}

}  // namespace ebb::session
