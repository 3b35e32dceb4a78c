#include "engine/session/record_session.h"

#include <capnp/message.h>
#include <limits.h>
#include <sched.h>
#include <time.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>

#include "engine/arch/cpu.h"
#include "engine/ptrace/proc_maps.h"
#include "engine/base/log.h"
#include "engine/session/cpu_pin.h"
#include "engine/session/record_task.h"
#include "engine/session/scan_store.h"
#include "engine/session/signal_frame.h"
#include "engine/trace/saved_files.h"
#include "engine/trace/writer.h"

namespace ebb::session {

namespace {

constexpr long kTraceOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
                               PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                               PTRACE_O_EXITKILL;

struct LaunchArgs {
  const char* path;
  char* const* argv;
};

void child_before_stop(void*) {
  // RDTSC/RDTSCP fault with SIGSEGV from now on, across exec; ebb records
  // their values. CPUID faulting is reset by exec: set after each exec.
  prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
}

void child_after_stop(void* arg) {
  auto* a = static_cast<LaunchArgs*>(arg);
  execv(a->path, a->argv);
}

// The record-time scheduler: every task of the recorded tree, one of them
// at most running user code, switching at syscalls (a task that enters a
// syscall may block in the kernel, so another runs meanwhile).
class Recorder {
 public:
  Recorder(trace::TraceWriter& writer, pid_t root, bool cpuid_faulting, bool soft_ticks)
      : events_(writer, cpuid_faulting, soft_ticks), root_(root) {
    if (cpuid_faulting) arch::fault_own_cpuid();  // ptrace stops cost 5x less (arch/cpu.h)
    auto task = std::make_unique<RecordTask>(root, root);
    task->linked = task->initial_stop = true;
    task->state = TaskState::kReady;
    run_queue_.push_back(root);
    tasks_[root] = std::move(task);
  }
  Result<RecordOutcome> run();

 private:
  void schedule();
  Result<ptrace::AnyStop> wait_next();
  bool someone_ready() const;
  Status on_timeslice_end(RecordTask& task);
  Status handle(pid_t tid, const ptrace::Stop& stop);
  Status on_syscall_stop(RecordTask& task);
  Status on_event(RecordTask& task, const ptrace::Stop& stop);
  Status on_new_task(RecordTask& parent, int event);
  Status on_exec_event(RecordTask& task);
  Status on_gone(pid_t tid, const ptrace::Stop& stop);
  Status finish_syscall_exit(RecordTask& task, const user_regs_struct& regs);
  bool is_echo_write(const RecordTask& task);
  Status next_echo_writer();
  Status release_vfork_parent(RecordTask& child);
  Status resume(RecordTask& task, TaskState state);
  void make_ready(RecordTask& task);
  RecordTask& task_for(pid_t tid);
  void stop_recording(std::string note);

  EventRecorder events_;
  std::map<pid_t, std::unique_ptr<RecordTask>> tasks_;
  std::map<pid_t, StdioFds> stdio_;  // by process (tgid)
  std::deque<pid_t> run_queue_;
  std::set<pid_t> exiting_groups_;  // processes in exit_group
  pid_t echo_writer_ = 0;            // the task writing to the original stdout/stderr
  std::chrono::steady_clock::time_point running_since_;
  std::deque<pid_t> parked_writers_; // tasks at the entry of such a write, waiting their turn
  pid_t running_ = 0;
  pid_t root_;
  ProgramOutcome root_outcome_;
  bool stopping_ = false;
  std::string end_note_;
};

RecordTask& Recorder::task_for(pid_t tid) {
  auto it = tasks_.find(tid);
  if (it != tasks_.end()) return *it->second;
  // A new task whose first stop arrived before its parent's clone event.
  auto task = std::make_unique<RecordTask>(tid, tid);
  RecordTask& ref = *task;
  tasks_[tid] = std::move(task);
  return ref;
}

void Recorder::stop_recording(std::string note) {
  if (stopping_) return;
  stopping_ = true;
  end_note_ = std::move(note);
  for (auto& [tid, task] : tasks_) ::kill(tid, SIGKILL);
}

Status Recorder::resume(RecordTask& task, TaskState state) {
  task.state = state;
  int sig = task.resume_sig;
  task.resume_sig = 0;
  if (sig) {  // an asynchronous signal's handler starts with a clean frame (signal_frame.h)
    auto entered = enter_handler(task.t, sig);
    if (!entered) return entered.error();
    if (*entered) sig = 0;
  }
  if (state == TaskState::kRunning) {
    running_ = task.tid();
    running_since_ = std::chrono::steady_clock::now();
    EBB_TRY(events_.before_first_run(task));
    EBB_TRY(events_.arm_timeslice(task, tasks_.size() > 1));
  }
  return task.t.resume_syscall(sig);
}

void Recorder::make_ready(RecordTask& task) {
  task.state = TaskState::kReady;
  if (running_ == task.tid()) running_ = 0;
  if (task.linked && task.initial_stop) run_queue_.push_back(task.tid());
}

void Recorder::schedule() {
  while (!running_ && !run_queue_.empty()) {
    pid_t tid = run_queue_.front();
    run_queue_.pop_front();
    auto it = tasks_.find(tid);
    if (it == tasks_.end() || it->second->state != TaskState::kReady) continue;
    if (exiting_groups_.count(it->second->tgid)) continue;  // being killed by exit_group
    if (!resume(*it->second, TaskState::kRunning).ok()) running_ = 0;  // vanished: its exit follows
  }
}

Result<RecordOutcome> Recorder::run() {
  while (!tasks_.empty()) {
    if (!stopping_) schedule();
    auto any = wait_next();
    if (!any) {
      if (any.error().kind == ErrorKind::kTraceeGone) break;
      return any.error();
    }
    Status st = handle(any->tid, any->stop);
    if (!st) {
      if (st.error().kind == ErrorKind::kTraceeGone) continue;  // its exit comes next
      if (st.error().kind != ErrorKind::kUnsupported) return st.error();
      stop_recording(st.error().message);
    }
  }
  if (!events_.started() && !stopping_)
    return make_error(ErrorKind::kBadInput, "the program ended before its exec completed");
  EBB_TRY(events_.finish(end_note_));
  RecordOutcome out;
  out.program = root_outcome_;
  out.stopped_early = stopping_;
  out.end_note = end_note_;
  out.events = events_.event_count();
  return out;
}

// Waits for the next stop; ebb's own timer (SIGALRM every 50 ms) ends the
// wait early so two deadlines can be kept: a sent signal deferred to a
// syscall boundary is delivered anyway after 250 ms, and a task that ran
// user code for 500 ms without a syscall is preempted so the others run.
// Either way it is stopped with PTRACE_INTERRUPT where it stands: a point
// replay cannot find without a tick clock, so replay refuses it clearly.
Result<ptrace::AnyStop> Recorder::wait_next() {
  constexpr auto kSignalDeadline = std::chrono::milliseconds(250);
  constexpr auto kTimeslice = std::chrono::milliseconds(500);
  while (true) {
    auto any = ptrace::wait_any(true);
    if (!any || any->tid != 0) return any;
    auto now = std::chrono::steady_clock::now();
    for (auto& [tid, task] : tasks_) {
      if (task->deferred_signals.empty() || task->force_delivery) continue;
      if (now - task->deferred_since < kSignalDeadline) continue;
      task->force_delivery = true;
      EBB_TRY(events_.redeliver_deferred(*task));
      if (task->state == TaskState::kRunning) EBB_TRY(task->t.interrupt());
    }
    auto it = tasks_.find(running_);
    if (it != tasks_.end() && it->second->state == TaskState::kRunning && !it->second->preempt_requested &&
        someone_ready() && now - running_since_ > kTimeslice) {
      it->second->preempt_requested = true;
      EBB_TRY(it->second->t.interrupt());
    }
  }
}

// The task's tick budget ran out (EventRecorder::arm_timeslice): it yields
// to a ready task there, a point replay reaches by arming the same tick;
// with nobody waiting it gets another timeslice.
Status Recorder::on_timeslice_end(RecordTask& task) {
  if (task.state == TaskState::kRunning && someone_ready()) {
    EBB_TRY(events_.write_preempt(task));
    make_ready(task);
    return ok_status();
  }
  if (task.state == TaskState::kRunning || running_ == 0) return resume(task, TaskState::kRunning);
  make_ready(task);
  return ok_status();
}

bool Recorder::someone_ready() const {
  for (pid_t tid : run_queue_) {
    auto it = tasks_.find(tid);
    if (it != tasks_.end() && it->second->state == TaskState::kReady) return true;
  }
  return false;
}

Status Recorder::handle(pid_t tid, const ptrace::Stop& stop) {
  if (stop.kind == ptrace::StopKind::kExited || stop.kind == ptrace::StopKind::kKilled) return on_gone(tid, stop);
  RecordTask& task = task_for(tid);
  if (stopping_) return task.t.resume_syscall(0);  // let SIGKILL finish it
  // The threads of a process in exit_group are being killed: what they
  // still report (a syscall's end, a stop on the way out) is not an event,
  // and none of them runs user code again.
  if (exiting_groups_.count(task.tgid)) {
    if (running_ == task.tid()) running_ = 0;
    task.state = TaskState::kExiting;
    return task.t.resume_syscall(0);
  }
  switch (stop.kind) {
    case ptrace::StopKind::kSyscall:
      return on_syscall_stop(task);
    case ptrace::StopKind::kEvent:
      return on_event(task, stop);
    case ptrace::StopKind::kSignal: {
      if (stop.sig == SIGTRAP && events_.is_timeslice_end(task)) return on_timeslice_end(task);
      EBB_TRY(events_.on_signal(task, stop.sig));
      if (task.resume_sig && task.redelivering.empty()) task.force_delivery = false;
      // Signals arrive on the way to user code: the task keeps running.
      if (task.state == TaskState::kRunning || running_ == 0) return resume(task, TaskState::kRunning);
      make_ready(task);
      return ok_status();
    }
    default:
      return ok_status();
  }
}

Status Recorder::on_syscall_stop(RecordTask& task) {
  auto phase = task.t.syscall_phase();
  if (!phase) return phase.error();
  auto regs = task.t.regs();
  if (!regs) return regs.error();
  if (*phase == ptrace::SyscallPhase::kEntry) {
    EBB_TRY(events_.on_entry(task, *regs));
    // With other tasks around, this syscall may block while they run: mark
    // where its user code ended. exit/exit_group are events at entry already.
    bool exits = task.pending.nr == SYS_exit || task.pending.nr == SYS_exit_group;
    if (tasks_.size() > 1 && !exits) EBB_TRY(events_.write_entry(task));
    if (task.pending.nr == SYS_exit_group) exiting_groups_.insert(task.tgid);
    if (task.pending.nr == SYS_exit) {
      // A thread's exit clears its tid word (CLONE_CHILD_CLEARTID) late in
      // the kernel; pthread_join reads that word. Nothing else runs until
      // the thread is gone, so the join sees the same value in replay.
      task.state = TaskState::kExiting;
      running_ = task.tid();
      return task.t.resume_syscall(0);
    }
    if (running_ == task.tid()) running_ = 0;
    if (is_echo_write(task)) {
      // Writes to the original stdout/stderr reach it one at a time, in
      // event order, so replay echoes them in the order they appeared.
      if (echo_writer_) {
        task.state = TaskState::kParked;
        parked_writers_.push_back(task.tid());
        return ok_status();
      }
      echo_writer_ = task.tid();
    }
    return resume(task, TaskState::kInKernel);
  }
  if (*phase == ptrace::SyscallPhase::kExit) {
    if (echo_writer_ == task.tid()) EBB_TRY(next_echo_writer());
    // A vfork parent is released in the middle of its child's execve; replay
    // releases it with the exec event, so its own event must come after it.
    for (auto& [tid, other] : tasks_) {
      if (other->vfork_parent != task.tid()) continue;
      task.deferred_exit = true;
      return ok_status();
    }
    bool was_exec = task.exec_pending;
    EBB_TRY(finish_syscall_exit(task, *regs));
    if (was_exec) EBB_TRY(release_vfork_parent(task));
  }
  return ok_status();
}

bool Recorder::is_echo_write(const RecordTask& task) {
  int64_t nr = task.pending.nr;
  if (nr != SYS_write && nr != SYS_writev && nr != SYS_pwrite64 && nr != SYS_pwritev) return false;
  auto it = stdio_.find(task.tgid);
  StdioFds fds = it == stdio_.end() ? StdioFds() : it->second;
  return fds.stream_of(static_cast<int64_t>(task.pending.args[0])) != 0;
}

Status Recorder::next_echo_writer() {
  echo_writer_ = 0;
  while (!parked_writers_.empty()) {
    pid_t tid = parked_writers_.front();
    parked_writers_.pop_front();
    auto it = tasks_.find(tid);
    if (it == tasks_.end() || it->second->state != TaskState::kParked) continue;
    echo_writer_ = tid;
    return resume(*it->second, TaskState::kInKernel);
  }
  return ok_status();
}

Status Recorder::finish_syscall_exit(RecordTask& task, const user_regs_struct& regs) {
  auto it = stdio_.find(task.tgid);
  if (it == stdio_.end()) it = stdio_.emplace(task.tgid, StdioFds()).first;
  EBB_TRY(events_.on_exit(task, regs, it->second));
  make_ready(task);
  return ok_status();
}

Status Recorder::release_vfork_parent(RecordTask& child) {
  pid_t parent_tid = child.vfork_parent;
  child.vfork_parent = 0;
  auto it = tasks_.find(parent_tid);
  if (!parent_tid || it == tasks_.end() || !it->second->deferred_exit) return ok_status();
  RecordTask& parent = *it->second;
  parent.deferred_exit = false;
  auto regs = parent.t.regs();
  if (!regs) return regs.error();
  return finish_syscall_exit(parent, *regs);
}

Status Recorder::on_new_task(RecordTask& parent, int event) {
  auto msg = parent.t.event_msg();
  if (!msg) return msg.error();
  pid_t child_tid = static_cast<pid_t>(*msg);
  const auto& captured = parent.pending.call.entry_values;
  uint64_t flags = parent.pending.nr == SYS_clone                       ? parent.pending.args[0]
                   : parent.pending.nr == SYS_clone3 && !captured.empty() ? captured[0]
                   : event == PTRACE_EVENT_VFORK                         ? uint64_t(CLONE_VM | CLONE_VFORK | SIGCHLD)
                                                                         : uint64_t(SIGCHLD);
  bool thread = event == PTRACE_EVENT_CLONE && (flags & CLONE_THREAD);
  RecordTask& child = task_for(child_tid);
  child.tgid = thread ? parent.tgid : child_tid;
  child.linked = true;
  if (event == PTRACE_EVENT_VFORK) child.vfork_parent = parent.tid();
  if (!thread) stdio_[child_tid] = stdio_.count(parent.tgid) ? stdio_[parent.tgid] : StdioFds();
  EBB_TRY(events_.write_clone(parent, child, flags, thread));
  if (child.initial_stop && child.state == TaskState::kReady) run_queue_.push_back(child_tid);
  return ok_status();
}

// After an exec by a non-leader thread, the kernel reports the exec under
// the leader's tid; the old leader and the other threads are gone.
Status Recorder::on_exec_event(RecordTask& task) {
  auto msg = task.t.event_msg();
  if (!msg) return msg.error();
  pid_t former = static_cast<pid_t>(*msg);
  pid_t leader = task.tid();
  RecordTask* execer = &task;
  if (former != leader && tasks_.count(former)) {
    std::unique_ptr<RecordTask> moved = std::move(tasks_[former]);
    tasks_.erase(former);
    moved->t.set_tid(leader);
    moved->exec_former_tid = former;
    tasks_[leader] = std::move(moved);
    execer = tasks_[leader].get();
    if (running_ == former) running_ = 0;
  }
  execer->exec_pending = true;
  return resume(*execer, TaskState::kInKernel);
}

Status Recorder::on_event(RecordTask& task, const ptrace::Stop& stop) {
  switch (stop.event) {
    case PTRACE_EVENT_CLONE:
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
      EBB_TRY(on_new_task(task, stop.event));
      return resume(task, TaskState::kInKernel);
    case PTRACE_EVENT_EXEC:
      return on_exec_event(task);
    case PTRACE_EVENT_EXIT:
      task.state = TaskState::kExiting;
      EBB_TRY(task.t.resume_syscall(0));
      // After exit(2), hold everyone else until the tid word is cleared.
      if (task.called_exit) EBB_TRY(ptrace::wait_until_zombie(task.tid()));
      if (running_ == task.tid()) running_ = 0;
      return ok_status();
    case PTRACE_EVENT_STOP:
      if (!task.initial_stop) {
        task.initial_stop = true;
        make_ready(task);
        return ok_status();
      }
      if (task.preempt_requested) {
        task.preempt_requested = false;
        if (task.state == TaskState::kRunning) {
          EBB_TRY(events_.write_preempt(task));
          make_ready(task);
          return ok_status();
        }
      }
      // A group-stop (SIGSTOP and friends): job control is not recorded yet;
      // the task goes on, if it is its turn.
      [[fallthrough]];
    default:
      if (task.state == TaskState::kRunning || task.state == TaskState::kExiting ||
          task.state == TaskState::kInKernel)
        return task.t.resume_syscall(0);
      make_ready(task);
      return ok_status();
  }
}

Status Recorder::on_gone(pid_t tid, const ptrace::Stop& stop) {
  auto it = tasks_.find(tid);
  if (it == tasks_.end()) return ok_status();
  std::unique_ptr<RecordTask> task = std::move(it->second);
  tasks_.erase(it);
  if (running_ == tid) running_ = 0;
  ProgramOutcome o{stop.kind == ptrace::StopKind::kExited,
                   stop.kind == ptrace::StopKind::kExited ? stop.status : stop.sig, stop.core_dumped};
  if (tid == root_) root_outcome_ = o;
  if (echo_writer_ == tid) EBB_TRY(next_echo_writer());
  if (stopping_) return ok_status();
  EBB_TRY(release_vfork_parent(*task));
  // A process ends with its leader; a thread that called exit(2) ends alone.
  // Threads killed by exit_group, exec or a fatal signal need no event:
  // replay kills them the same way.
  if (tid == task->tgid || task->called_exit) return events_.write_exit(tid, o);
  return ok_status();
}

Result<capnp::MallocMessageBuilder*> build_header(capnp::MallocMessageBuilder& msg, const RecordConfig& config,
                                                  int cpu) {
  auto h = msg.initRoot<schema::TraceHeader>();
  h.setEbbVersion(EBB_VERSION_STRING);
  auto argv = h.initArgv(static_cast<unsigned>(config.argv.size()));
  for (size_t i = 0; i < config.argv.size(); ++i) argv.set(i, config.argv[i]);
  h.setExePath(config.exe_path);
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd)) h.setCwd(cwd);
  h.setRecordStartNs(std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  h.setTickSource(config.soft_ticks ? "soft" : "none");
  h.setTickReason(config.tick_reason);
  h.setCpuidFaulting(arch::cpuid_faulting_supported());
  arch::CpuDescription d = arch::describe_cpu();
  auto c = h.initCpu();
  c.setVendor(d.vendor);
  c.setBrand(d.brand);
  c.setFamily(d.family);
  c.setModel(d.model);
  c.setStepping(d.stepping);
  c.setXcr0(d.xcr0);
  c.setXsaveSize(d.xsave_size);
  c.setBoundCpu(cpu);
  auto comps = c.initXsaveComponents(static_cast<unsigned>(d.xsave_components.size()));
  for (size_t i = 0; i < d.xsave_components.size(); ++i) {
    comps[i].setIndex(d.xsave_components[i].index);
    comps[i].setOffset(d.xsave_components[i].offset);
    comps[i].setSize(d.xsave_components[i].size);
  }
  struct utsname u;
  if (uname(&u) == 0) {
    h.setKernelRelease(u.release);
    h.setHostname(u.nodename);
  }
  return &msg;
}

void ignore_signal(int) {}

}  // namespace

Result<RecordOutcome> record(const RecordConfig& config) {
  auto cpu = pin_to_one_cpu();
  if (!cpu) return cpu.error();
  capnp::MallocMessageBuilder header;
  EBB_TRY(build_header(header, config, *cpu));
  auto writer = trace::TraceWriter::create(config.trace_dir, header);
  if (!writer) return writer.error();
  if (auto cache = cache_root()) (*writer)->saved_files().share_through(*cache + "/files");

  // Ctrl-C and Ctrl-\ go to the program (same process group), not to ebb.
  // A caught signal (unlike an ignored one) is reset to default by exec.
  struct sigaction sa {};
  sa.sa_handler = ignore_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGQUIT, &sa, nullptr);

  std::vector<char*> argv;
  for (const auto& a : config.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  LaunchArgs launch{config.exe_path.c_str(), argv.data()};
  auto pid = ptrace::fork_stopped_child(child_before_stop, child_after_stop, &launch, kTraceOptions);
  if (!pid) return pid.error();
  Recorder recorder(**writer, *pid, header.getRoot<schema::TraceHeader>().getCpuidFaulting(), config.soft_ticks);
  // The recorder's clock (see Recorder::wait_next): no SA_RESTART, so that
  // waitpid returns.
  struct sigaction tick {};
  tick.sa_handler = ignore_signal;
  sigaction(SIGALRM, &tick, nullptr);
  struct itimerval every = {{0, 50000}, {0, 50000}};
  setitimer(ITIMER_REAL, &every, nullptr);
  auto out = recorder.run();
  struct itimerval off = {};
  setitimer(ITIMER_REAL, &off, nullptr);
  return out;
}

}  // namespace ebb::session
