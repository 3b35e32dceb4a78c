#include "engine/session/process_snapshot.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/arch/regs.h"
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

// Kills a process whose threads are `tids` (traced by ebb) and waits until
// every one is gone: each is let through its PTRACE_EVENT_EXIT stop, the
// other threads before the leader, whose end the kernel reports last.
void kill_threads(const std::vector<pid_t>& tids) {
  if (tids.empty()) return;
  ptrace::Tracee(tids[0]).kill();
  for (size_t n = 0; n < tids.size(); ++n) {
    ptrace::Tracee t(tids[(n + 1) % tids.size()]);
    while (true) {
      auto stop = t.wait();
      if (!stop) break;  // already reaped
      if (stop->kind == ptrace::StopKind::kExited || stop->kind == ptrace::StopKind::kKilled) break;
      (void)t.resume_syscall(0);
    }
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

Error refuse(pid_t tgid, const std::string& why) {
  return make_error(ErrorKind::kUnsupported, "cannot copy process " + std::to_string(tgid) + " here: " + why);
}

}  // namespace

std::string why_not_copyable(const ReplayTask& task) {
  if (task.in_syscall) return "a thread is in the middle of a clone; step on a little";
  if (task.exiting || task.exited_stop) return "a thread is exiting; step on a little";
  if (task.vfork_parent) return "a vfork child shares its parent's memory";
  if (task.deferred_sigsuspend) return "a thread is in rt_sigsuspend; step on a little";
  if (task.leaked_scratch) return "a vfork child's exec is being cleaned up; step on a little";
  return "";
}

// Everything of `task` the copy needs, with the thread out of any syscall
// entry it sat at.
Result<ProcessSnapshot::Thread> ProcessSnapshot::describe(ReplayTask& task, pid_t tid) {
  Thread th;
  th.tid = tid;
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (task.at_entry) {
    regs = leave_syscall_entry(task, *regs);
    if (!regs) return regs.error();
  }
  th.regs = *regs;
  auto xstate = task.t.xstate();
  if (!xstate) return xstate.error();
  th.xstate = std::move(*xstate);
  auto mask = task.t.blocked_signals();
  if (!mask) return mask.error();
  th.blocked = *mask;
  th.clear_child_tid = task.clear_child_tid;
  th.stop_sig = task.pending_sig;
  if (th.stop_sig) {
    auto info = task.t.siginfo();
    if (!info) return info.error();
    th.info = *info;
  }
  return th;
}

Result<ProcessSnapshot> ProcessSnapshot::take(Replayer& replayer, pid_t tgid) {
  std::vector<std::pair<pid_t, ReplayTask*>> tasks;
  for (auto& [tid, t] : replayer.tasks())
    if (t->tgid == tgid) tasks.emplace_back(tid, t.get());
  if (tasks.empty()) return make_error(ErrorKind::kBadInput, "process " + std::to_string(tgid) + " is not running here");
  for (auto& [tid, t] : tasks) {
    std::string why = why_not_copyable(*t);
    if (!why.empty()) return refuse(tgid, why);
  }
  if (replayer.has_shadows(tgid)) return refuse(tgid, "it uses a memfd, which ebb cannot copy yet");
  auto maps = ptrace::read_maps(tasks[0].second->t.pid());
  if (!maps) return maps.error();
  for (const ptrace::MapEntry& m : *maps)
    if (m.shared && (m.prot & PROT_WRITE)) return refuse(tgid, "it has shared writable memory, which ebb cannot copy yet");
  ProcessSnapshot s;
  s.tgid_ = tgid;
  for (auto& [tid, t] : tasks) {
    auto th = describe(*t, tid);
    if (!th) return th.error();
    s.threads_.push_back(std::move(*th));
  }
  ReplayTask& leader = *tasks[0].second;
  s.syscall_insn_ = ptrace::find_syscall_instruction(leader.t);
  if (!s.syscall_insn_) return refuse(tgid, "it has no syscall instruction");
  auto copy = ptrace::remote_fork(leader.t, RemoteAddr(s.syscall_insn_));
  EBB_TRY(leader.t.set_regs(s.threads_[0].regs));
  if (!copy) return copy.error();
  s.threads_[0].copy = *copy;
  ptrace::Tracee c(*copy);
  EBB_TRY(s.make_threads(c));
  for (size_t i = 0; i < tasks.size(); ++i)
    if (s.threads_[i].stop_sig) EBB_TRY(reenter_signal_stop(tasks[i].second->t, s.threads_[i].stop_sig, s.threads_[i].info));
  return s;
}

// In the copy (whose one thread is `leader`): the other threads, then
// everyone's registers and per-thread state.
Status ProcessSnapshot::make_threads(ptrace::Tracee& leader) {
  for (size_t i = 1; i < threads_.size(); ++i) {
    auto tid = ptrace::remote_clone_thread(leader, RemoteAddr(syscall_insn_));
    if (!tid) return tid.error();
    threads_[i].copy = *tid;
  }
  for (Thread& th : threads_) {
    ptrace::Tracee t(th.copy);
    if (th.clear_child_tid) {
      auto r = ptrace::remote_syscall(t, RemoteAddr(syscall_insn_), SYS_set_tid_address, th.clear_child_tid);
      if (!r) return r.error();
    }
    EBB_TRY(t.set_regs(th.regs));
    EBB_TRY(t.set_xstate(th.xstate));
    EBB_TRY(t.set_blocked_signals(th.blocked));
  }
  return ok_status();
}

ProcessSnapshot& ProcessSnapshot::operator=(ProcessSnapshot&& other) noexcept {
  if (this == &other) return *this;
  kill_copy();
  tgid_ = other.tgid_;
  syscall_insn_ = other.syscall_insn_;
  threads_ = std::move(other.threads_);
  other.threads_.clear();
  return *this;
}

ProcessSnapshot::~ProcessSnapshot() { kill_copy(); }

void ProcessSnapshot::kill_copy() {
  if (threads_.empty() || !threads_[0].copy) return;
  std::vector<pid_t> tids;
  for (const Thread& th : threads_)
    if (th.copy) tids.push_back(th.copy);
  kill_threads(tids);
  threads_.clear();
}

Status ProcessSnapshot::restore(Replayer& replayer) {
  if (threads_.empty()) return make_error(ErrorKind::kBadInput, "the copy of process " + std::to_string(tgid_) + " is gone");
  std::vector<pid_t> live;
  for (auto& [tid, t] : replayer.tasks())
    if (t->tgid == tgid_) live.push_back(t->t.pid());
  kill_threads(live);
  for (const Thread& th : threads_) EBB_TRY(take_place_of(replayer, th));
  threads_.clear();
  return ok_status();
}

Status ProcessSnapshot::take_place_of(Replayer& replayer, const Thread& th) {
  ReplayTask* task = replayer.find_task(th.tid);
  if (!task) return make_error(ErrorKind::kBadInput, "thread " + std::to_string(th.tid) + " is gone");
  task->t.set_tid(th.copy);
  EBB_TRY(task->t.set_regs(th.regs));
  task->at_entry = false;
  task->stepping = false;
  task->interrupting = false;
  task->pending_sig = th.stop_sig;
  if (th.stop_sig) EBB_TRY(reenter_signal_stop(task->t, th.stop_sig, th.info));
  return ok_status();
}

// Each thread of the copy is let go inside pause(2): it sleeps there,
// running none of the program's code, until the process that adopts it
// stops it and puts its registers back.
Status ProcessSnapshot::hand_over() {
  for (const Thread& th : threads_) {
    ptrace::Tracee c(th.copy);
    user_regs_struct r = th.regs;
    r.rip = syscall_insn_;
    r.rax = SYS_pause;
    r.orig_rax = static_cast<uint64_t>(-1);
    EBB_TRY(c.set_regs(r));
  }
  for (const Thread& th : threads_) EBB_TRY(ptrace::Tracee(th.copy).detach(0));
  return ok_status();
}

Status ProcessSnapshot::adopt(Replayer& replayer) {
  for (const Thread& th : threads_) EBB_TRY(ptrace::seize_and_stop(th.copy, kReplayTraceOptions));
  for (const Thread& th : threads_) EBB_TRY(take_place_of(replayer, th));
  threads_.clear();
  return ok_status();
}

Result<bool> ProcessSnapshot::same_registers(Replayer& replayer) const {
  for (const Thread& th : threads_) {
    ReplayTask* task = replayer.find_task(th.tid);
    if (!task) continue;
    auto now = task->t.regs();
    if (!now) continue;  // the diverted thread died
    if (!arch::same_state(*now, th.regs)) return false;
  }
  return true;
}

}  // namespace ebb::session
