// The replay's task lifecycle: the first task (a stub that becomes the
// recorded program), exec, clone/fork/vfork, and exits.
#include <asm/prctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "engine/base/log.h"
#include "engine/session/address_space.h"
#include "engine/session/event_codec.h"
#include "engine/session/replay_task.h"
#include "engine/syscalls/handlers.h"

namespace ebb::session {

namespace {

// Runs in the forked child before it stops and execs ebb-stub: trap RDTSC as
// the recording did, die with ebb, and leave no core files.
void stub_before_stop(void*) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
}

void stub_after_stop(void* arg) {
  const char* path = static_cast<const char*>(arg);
  char* const argv[] = {const_cast<char*>(path), nullptr};
  char* const envp[] = {nullptr};
  execve(path, argv, envp);
}

}  // namespace

Replayer::~Replayer() {
  for (auto& [tid, task] : tasks_) task->t.kill();
}

ReplayTask* Replayer::task(pid_t tid) {
  auto it = tasks_.find(tid);
  return it == tasks_.end() ? nullptr : it->second.get();
}

// ebb-stub spins on getppid: stop it at a syscall exit, where rip-2 is a
// syscall instruction that injected syscalls can use.
Status Replayer::run_stub_to_syscall_exit(ReplayTask& task) {
  for (int i = 0; i < 8; ++i) {
    auto stop = resume_and_wait(task);
    if (!stop) return stop.error();
    if (stop->kind != ptrace::StopKind::kSyscall) continue;
    auto phase = task.t.syscall_phase();
    if (!phase) return phase.error();
    auto regs = task.t.regs();
    if (!regs) return regs.error();
    // Not the execve's own exit: its rip is the stub's entry point.
    if (*phase == ptrace::SyscallPhase::kExit && regs->orig_rax == SYS_getppid) return ok_status();
  }
  return make_error(ErrorKind::kTraceeGone, "the replay stub did not reach a syscall exit");
}

Status Replayer::start_first_task(pid_t tid) {
  auto pid = ptrace::fork_stopped_child(stub_before_stop, stub_after_stop, const_cast<char*>(stub_path_.c_str()),
                                        kReplayTraceOptions);
  if (!pid) return pid.error();
  tasks_[tid] = std::make_unique<ReplayTask>(*pid, tid);
  root_ = tid;
  ReplayTask& t = *tasks_[tid];
  while (true) {  // through the child's last syscalls to the exec of ebb-stub
    auto stop = resume_and_wait(t);
    if (!stop) return stop.error();
    if (stop->kind == ptrace::StopKind::kEvent && stop->event == PTRACE_EVENT_EXEC) break;
    if (stop->kind != ptrace::StopKind::kSyscall)
      return make_error(ErrorKind::kBadInput, "cannot start the replay stub " + stub_path_);
  }
  t.t.reopen_memory();
  return run_stub_to_syscall_exit(t);
}

// Gives `task` a fresh address space by a real execve of ebb-stub, so the
// recorded one can be rebuilt without touching memory other tasks share.
Status Replayer::exec_stub(ReplayTask& task) {
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  RemoteAddr insn(regs->rip - 2);
  uint64_t scratch_len = 4096;
  auto scratch = ptrace::remote_syscall(task.t, insn, SYS_mmap, 0, scratch_len, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS, static_cast<uint64_t>(-1), 0);
  if (!scratch) return scratch.error();
  if (*scratch < 0 && *scratch > -4096) return check_.diverged("cannot map memory to exec the replay stub");
  uint64_t base = static_cast<uint64_t>(*scratch);
  // In a vfork child this page lands in the parent's memory: the parent
  // unmaps it when it runs again.
  if (task.vfork_parent) task.vfork_parent->leaked_scratch = base;
  uint64_t argv[2] = {base + 64, 0};
  EBB_TRY(task.t.write(RemoteAddr(base), argv, sizeof argv));
  EBB_TRY(task.t.write(RemoteAddr(base + 64), stub_path_.c_str(), stub_path_.size() + 1));
  user_regs_struct r = *regs;
  r.rip = insn.addr();
  r.rax = SYS_execve;
  r.orig_rax = static_cast<uint64_t>(-1);
  r.rdi = base + 64;
  r.rsi = base;
  r.rdx = 0;
  EBB_TRY(task.t.set_regs(r));
  EBB_TRY(task.t.resume_syscall(0));
  // The exec is reported under the process leader's tid; the process's
  // other threads die on the way. Only this process's tasks are waited for:
  // others (a vfork parent released by this exec) keep their stops.
  std::vector<pid_t> tids;
  for (auto& [rec_tid, other] : tasks_)
    if (other->tgid == task.tgid) tids.push_back(other->t.pid());
  while (true) {
    auto any = ptrace::wait_any_of(tids);
    if (!any) return any.error();
    if (any->stop.kind == ptrace::StopKind::kEvent && any->stop.event == PTRACE_EVENT_EXEC) {
      task.t.set_tid(any->tid);
      break;
    }
    if (any->stop.kind == ptrace::StopKind::kSyscall && any->tid == task.t.pid()) {
      EBB_TRY(task.t.resume_syscall(0));  // the execve's entry
      continue;
    }
    if (any->stop.kind == ptrace::StopKind::kExited || any->stop.kind == ptrace::StopKind::kKilled) {
      if (any->tid == task.t.pid()) return make_error(ErrorKind::kTraceeGone, "the task died in exec");
      continue;
    }
    (void)ptrace::Tracee(any->tid).resume_cont(0);  // a dying thread: it may be gone already
  }
  return run_stub_to_syscall_exit(task);
}

Status Replayer::on_exec(pid_t tid, schema::ExecEvent::Reader ev) {
  ReplayTask* t = nullptr;
  if (tasks_.empty()) {
    EBB_TRY(start_first_task(tid));
    t = task(tid);
  } else {
    pid_t former = ev.getFormerTid() ? ev.getFormerTid() : tid;
    t = task(former);
    if (!t) return check_.corrupt("exec by an unknown task " + std::to_string(former));
    pid_t tgid = t->tgid;
    EBB_TRY(exec_stub(*t));
    t->vfork_parent = nullptr;
    std::unique_ptr<ReplayTask> moved = std::move(tasks_[former]);
    tasks_.erase(former);
    // The old leader's tid now belongs to the exec'd thread: nothing to reap.
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      if (it->second->tgid == tgid && it->second->t.pid() == moved->t.pid()) it = tasks_.erase(it);
      else ++it;
    }
    reap_others_of(tgid, former);
    tasks_[tid] = std::move(moved);
    t = task(tid);
  }
  clocks_.erase(t->tgid);  // a new address space: its clock comes with its first tick patch
  if (cpuid_faulting_) {
    auto regs = t->t.regs();
    if (!regs) return regs.error();
    auto r = ptrace::remote_syscall(t->t, RemoteAddr(regs->rip - 2), SYS_arch_prctl, ARCH_SET_CPUID, 0);
    if (!r) return r.error();
  }
  auto regs = t->t.regs();
  if (!regs) return regs.error();
  RemoteAddr insn(regs->rip - 2);
  ProcessImage image;
  for (auto m : ev.getMappings()) {
    image.regions.push_back({m.getStart(), m.getEnd(), m.getProt(), m.getFlags(),
                             std::string_view(m.getName().cStr(), m.getName().size()), bytes_of(m.getData())});
  }
  image.sig_ignored = ev.getSigIgnored();
  image.sig_blocked = ev.getSigBlocked();
  image.regs = load_user_regs(ev.getRegs());
  auto fp = ev.getFpregs();
  if (fp.size() != sizeof image.fpregs) return check_.corrupt("the exec event's FPU state has the wrong size");
  std::memcpy(&image.fpregs, fp.begin(), sizeof image.fpregs);
  brk_[t->tgid] = ev.getBrk();
  exec_sp_[t->tgid] = image.regs.rsp;
  shadows_after_exec(t->tgid);
  EBB_TRY(rebuild_address_space(t->t, insn, image));
  t->t.reopen_memory();
  if (debugged(*t)) debug_stop(*t, DebugStopKind::kInitial);
  return ok_status();
}

// Runs the clone/fork/vfork the parent is stopped before to its ptrace
// event. A signal pending in the parent makes the kernel give up a fork and
// restart it (-ERESTARTNOINTR at the exit stop). In replay that signal is a
// foreign one: SIGCHLD from a child whose death the replay has already
// reaped, which in the recording came only after the fork had got past its
// check. wait_for drops it; the restarted call stops at its entry again.
Result<ptrace::Stop> Replayer::run_clone(ReplayTask& parent) {
  constexpr int kMaxRestarts = 100;
  for (int restarts = 0;; ++restarts) {
    EBB_TRY(parent.t.resume_syscall(0));
    auto stop = wait_for(parent);
    if (!stop || stop->kind != ptrace::StopKind::kSyscall || restarts == kMaxRestarts) return stop;
    auto regs = parent.t.regs();
    if (!regs) return regs.error();
    if (static_cast<int64_t>(regs->rax) != -syscalls::abi::kERestartNoIntr) return stop;
    log_debug("the clone in %d was interrupted by a foreign signal: restarting it", parent.t.pid());
    EBB_TRY(parent.t.resume_syscall(0));
    stop = wait_for(parent);
    if (!stop || stop->kind != ptrace::StopKind::kSyscall) return stop;
  }
}

// The parent is stopped before its clone/fork/vfork. The syscall runs for
// real, the child is adopted under its recorded tid, and the parent is left
// in the kernel: its syscall's exit is its next event.
Status Replayer::on_clone(ReplayTask& parent, schema::CloneEvent::Reader ev) {
  auto stop = to_entry(parent);
  if (!stop) return stop.error();
  auto regs = parent.t.regs();
  if (!regs) return regs.error();
  int64_t nr = static_cast<int64_t>(regs->orig_rax);
  if (stop->kind != ptrace::StopKind::kSyscall ||
      (nr != SYS_clone && nr != SYS_clone3 && nr != SYS_fork && nr != SYS_vfork))
    return check_.diverged("expected clone, clone3, fork or vfork creating task " + std::to_string(ev.getChildTid()));
  uint64_t flags = nr == SYS_clone ? regs->rdi : 0;
  uint64_t ctid = regs->r10;
  if (nr == SYS_clone3) {
    uint64_t clone_args[3] = {};  // flags, pidfd, child_tid
    EBB_TRY(parent.t.read(RemoteAddr(regs->rdi), clone_args, sizeof clone_args));
    flags = clone_args[0];
    ctid = clone_args[2];
  }
  bool vfork = nr == SYS_vfork || (flags & CLONE_VFORK);
  stop = run_clone(parent);
  if (!stop) return stop.error();
  if (stop->kind != ptrace::StopKind::kEvent ||
      (stop->event != PTRACE_EVENT_CLONE && stop->event != PTRACE_EVENT_FORK && stop->event != PTRACE_EVENT_VFORK))
    return check_.diverged("the clone creating task " + std::to_string(ev.getChildTid()) + " failed in replay (" +
                           check_.describe_stop(*stop) + ")");
  auto child_tid = parent.t.event_msg();
  if (!child_tid) return child_tid.error();
  EBB_TRY(parent.t.resume_syscall(0));
  parent.in_syscall = true;
  bool thread = ev.getThread();
  pid_t rec_child = ev.getChildTid();
  auto child = std::make_unique<ReplayTask>(static_cast<pid_t>(*child_tid), thread ? parent.tgid : rec_child);
  auto first = child->t.wait();
  if (!first) return first.error();
  if (first->kind != ptrace::StopKind::kEvent)
    return check_.diverged("the new task " + std::to_string(rec_child) + " did not start stopped");
  if (flags & CLONE_CHILD_CLEARTID) child->clear_child_tid = ctid;
  EBB_TRY(clone_clock(parent, *child, rec_child, flags, thread));
  if (flags & CLONE_CHILD_SETTID) {
    int32_t v = rec_child;
    EBB_TRY(child->t.write(RemoteAddr(ctid), &v, sizeof v));
  }
  if (!thread) {
    brk_[rec_child] = brk_[parent.tgid];
    exec_sp_[rec_child] = exec_sp_[parent.tgid];  // the same stack, copied
    if (shadows_.count(parent.tgid)) shadows_[rec_child] = shadows_[parent.tgid];  // the fd table is copied
  }
  // A vfork child shares the parent's memory (and may write it) until it
  // execs or exits; the parent stays blocked in the kernel until then.
  if (vfork) child->vfork_parent = &parent;
  ReplayTask& adopted = *child;
  tasks_[rec_child] = std::move(child);
  if (debug_) EBB_TRY(debug_->task_created(adopted));
  // A debugger asked for a process that starts here (ebb replay -f PID).
  if (!thread && debugged(adopted) && debug_->starts_at_fork()) debug_stop(adopted, DebugStopKind::kInitial);
  return ok_status();
}

Result<ptrace::Stop> Replayer::wait_for_death(ReplayTask& task) {
  if (task.exited_stop) return *task.exited_stop;
  while (true) {
    auto stop = task.t.wait();
    if (!stop) return stop.error();
    if (stop->kind == ptrace::StopKind::kExited || stop->kind == ptrace::StopKind::kKilled) return stop;
    EBB_TRY(task.t.resume_syscall(stop->kind == ptrace::StopKind::kSignal && !is_foreign_signal(task, stop->sig)
                                      ? stop->sig
                                      : 0));
  }
}

// The other threads of a process that ended (exit_group, a fatal signal,
// exec): the kernel kills them; collect them.
void Replayer::reap_others_of(pid_t tgid, pid_t except) {
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (it->second->tgid != tgid || it->first == except) {
      ++it;
      continue;
    }
    auto st = wait_for_death(*it->second);
    (void)st;
    it = tasks_.erase(it);
  }
}

Status Replayer::on_exit(pid_t tid, schema::ExitEvent::Reader ev) {
  ReplayTask* t = task(tid);
  if (!t) return check_.corrupt("exit of an unknown task " + std::to_string(tid));
  bool leader = tid == t->tgid;
  // SIGKILL is never seen by a tracer before it kills: the recording only
  // saw the death. The task dies here, at its last recorded event.
  bool killed_outright = !ev.getExited() && ev.getStatus() == SIGKILL && !t->exiting && !t->pending_sig;
  if (killed_outright) {
    if (syscall(SYS_tgkill, t->t.pid(), t->t.pid(), SIGKILL) < 0) return os_error("tgkill");
    t->exiting = true;
  }
  if (leader) {
    // Whatever ends the process (exit_group in some thread, a fatal signal)
    // is pending on one of its tasks: let them all go.
    for (auto& [other_tid, other] : tasks_) {
      (void)other_tid;
      if (other->tgid != t->tgid || other->exiting) continue;
      if (other->pending_sig) {
        EBB_TRY(other->t.resume_syscall(other->pending_sig));
        other->pending_sig = 0;
        other->exiting = true;
      }
    }
    reap_others_of(t->tgid, tid);
    // A leader that ends by itself (no exit_group event recorded for it in a
    // version 1 trace) runs to its end.
    if (!t->exiting && !t->pending_sig) {
      bool others = false;
      for (auto& [other_tid, other] : tasks_) others |= other_tid != tid && other->tgid == t->tgid;
      if (!others) EBB_TRY(t->t.resume_syscall(0));
    }
  } else if (!t->exiting) {
    EBB_TRY(t->t.resume_syscall(t->pending_sig));
  }
  auto stop = wait_for_death(*t);
  if (!stop) return stop.error();
  EBB_TRY(check_.exit(*stop, ev));
  if (tid == root_) root_outcome_ = ProgramOutcome{ev.getExited(), ev.getStatus(), ev.getCoreDumped()};
  bool report = leader && debugged(*t);
  ReplayTask& gone = *t;
  if (report)
    debug_stop(gone, ev.getExited() ? DebugStopKind::kExited : DebugStopKind::kKilled,
               ev.getExited() ? 0 : ev.getStatus(), ev.getExited() ? ev.getStatus() : 0);
  tasks_.erase(tid);
  return ok_status();
}

}  // namespace ebb::session
