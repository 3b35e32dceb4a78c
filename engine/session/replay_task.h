// Internal to the replayer: the replay's tasks and the Replayer that drives
// them through the trace, event by event. Not part of the layer's interface.
#pragma once

#include <sys/user.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/arch/cpu.h"
#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"
#include "engine/session/outcome.h"
#include "engine/session/point_digest.h"
#include "engine/session/replay_checks.h"
#include "engine/session/scan_store.h"
#include "engine/session/soft_clock.h"
#include "engine/syscalls/table.h"
#include "engine/trace/reader.h"

namespace ebb::session {

// The ptrace options of every replayed task.
constexpr long kReplayTraceOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC |
                                     PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                                     PTRACE_O_EXITKILL;

// A replayed thread. It runs only when its next event is processed, so at
// every moment all tasks but one sit in a ptrace-stop.
struct ReplayTask {
  ReplayTask(pid_t replay_tid, pid_t recorded_tgid) : t(replay_tid), tgid(recorded_tgid) {}
  ptrace::Tracee t;
  pid_t tgid;                // the recorded process id
  int pending_sig = 0;       // delivered at the next resume
  bool clear_frame_at_step = false;  // a debugger's step into an asynchronous signal's handler
  bool in_syscall = false;   // resumed past a syscall entry (a clone parent)
  bool at_entry = false;     // stopped at a syscall entry (after a syscall-entry event)
  // An interrupted rt_sigsuspend waits at its entry for the signal that
  // interrupted it (see Replayer::on_syscall): then it runs for real.
  bool deferred_sigsuspend = false;
  int64_t deferred_result = 0;
  user_regs_struct deferred_regs{};
  bool exiting = false;      // resumed into exit/exit_group
  std::optional<ptrace::Stop> exited_stop;  // its death, when already collected
  ReplayTask* vfork_parent = nullptr;       // while a vfork child shares its parent's memory
  bool stepping = false;                    // the debugger asked for one instruction
  uint64_t step_from = 0;                   // the program's pc the step started at (patches hidden)
  int extra_steps = 0;                      // steps of it taken through a trampoline
  bool in_replayed_syscall = false;         // between a replayed syscall's entry and exit stops
  bool tick_stop_armed = false;             // its countdown is armed for the debugger's tick stop
  bool interrupting = false;                // PTRACE_INTERRUPT sent for the debugger
  uint64_t leaked_scratch = 0;              // a page a vfork child's exec left in this task's memory
  uint64_t clear_child_tid = 0;             // CLONE_CHILD_CLEARTID / set_tid_address: what exit clears
};

// A debugger's view of the replay (see debug_session.h). The replay calls
// it where it must stop; everything else runs as on autopilot.
// kCheckpoint: a pause at an event boundary for the session to make a
// checkpoint (checkpoint_due); kHistoryBegin and kTravel are the session's
// own (reverse execution reached the start; an order came from elsewhere).
enum class DebugStopKind {
  kInitial,
  kBreakpoint,
  kStep,
  kSignal,
  kExited,
  kKilled,
  kInterrupted,
  kWatch,
  kCheckpoint,
  kHistoryBegin,
  kTravel,
};

struct DebugStop {
  DebugStopKind kind;
  pid_t tid = 0;  // recorded tid
  int signal = 0;
  int exit_code = 0;
  uint64_t addr = 0;  // kWatch: the watched address that was hit
};

class DebugHook {
 public:
  virtual ~DebugHook() = default;
  // Whether the recorded process `tgid` is the one being debugged.
  virtual bool watches(pid_t tgid) = 0;
  // The replay stopped for the debugger (all tasks are in ptrace-stops).
  // Returns the recorded tid to single-step next, or 0 to continue.
  virtual pid_t stopped(const DebugStop& stop) = 0;
  // Breakpoints are int3 bytes the debug session wrote; it can take one out
  // while the replay steps over it, and put it back.
  virtual bool inserted_at(uint64_t addr) = 0;
  virtual Status lift(ReplayTask& task, uint64_t addr) = 0;
  virtual Status relay(ReplayTask& task, uint64_t addr) = 0;
  virtual bool interrupted() = 0;
  // Whether the debugged process's first stop is its creation (no exec).
  virtual bool starts_at_fork() = 0;
  // With a start event (ebb replay -g N): true once the replay reached it
  // and nothing stopped yet.
  virtual bool first_stop_due(uint64_t event) = 0;
  // Whether to pause (kCheckpoint) at the boundary after `event`, for a
  // checkpoint.
  virtual bool checkpoint_due(uint64_t event) = 0;
  // Whether the program's output is not echoed now: the session is
  // travelling through a stretch the user has seen already.
  virtual bool quiet() = 0;
  // The start of a watchpoint that a write to [addr, addr+len) by the
  // kernel (a replayed syscall) hits, or 0.
  virtual uint64_t watched(uint64_t addr, uint64_t len) = 0;
  // After a debug-register trap: the watchpoint that fired (from DR6), or 0.
  // `fired` (when given) is set when a debug register fired at all: a read
  // watchpoint that saw a write (the value changed) fires but is no hit.
  virtual uint64_t hardware_hit(ReplayTask& task, bool* fired = nullptr) = 0;
  // A task was created (clone): debug registers are not inherited, so the
  // debugger's watchpoints are set in it.
  virtual Status task_created(ReplayTask& task) = 0;
  // The code in [start, end) of task's process is about to change (done
  // false: the tick clock patches it) or changed (done true).
  virtual Status code_changing(ReplayTask& task, uint64_t start, uint64_t end, bool done) = 0;
  // The tick at which the debugger wants the recorded thread `tid` stopped
  // (soft tick clock), or 0.
  virtual uint64_t tick_stop(pid_t tid) = 0;
};

struct ShadowFd {
  int fd;        // the real descriptor in the replay process
  bool cloexec;
};

class Replayer {
 public:
  Replayer(trace::TraceReader& r, std::string stub_path, bool cpuid_faulting)
      : r_(r),
        check_(r),
        stub_path_(std::move(stub_path)),
        cpuid_faulting_(cpuid_faulting),
        soft_ticks_(std::string(r.header().getTickSource().cStr()) == "soft") {
    if (cpuid_faulting_) arch::fault_own_cpuid();  // ptrace stops cost 5x less (arch/cpu.h)
  }
  ~Replayer();
  Result<ProgramOutcome> run();
  void set_debug_hook(DebugHook* hook) { debug_ = hook; }
  // For a debug session: the replay's task for a recorded tid, and all tasks.
  ReplayTask* find_task(pid_t tid) { return task(tid); }
  const std::map<pid_t, std::unique_ptr<ReplayTask>>& tasks() const { return tasks_; }
  // The soft tick clock of the recorded process `tgid` (nullptr: none).
  SoftClock* clock(pid_t tgid) const {
    auto it = clocks_.find(tgid);
    return it == clocks_.end() ? nullptr : it->second.get();
  }
  // Whether `pc` lies in a trampoline's own instructions (soft tick clock),
  // not at a copy of one of the program's (the site's branch included).
  bool inside_tick_sequence(const ReplayTask& task, uint64_t pc) const;
  // `pc` as the debugger is shown it: a copy's original address.
  uint64_t shown_pc(const ReplayTask& task, uint64_t pc) const;
  // Whether the recorded process `tgid` has memfds shadowed in ebb.
  bool has_shadows(pid_t tgid) const {
    auto it = shadows_.find(tgid);
    return it != shadows_.end() && !it->second.empty();
  }
  // The stack pointer at the process's exec (argc, argv, envp, auxv above).
  uint64_t exec_sp(pid_t tgid) const {
    auto it = exec_sp_.find(tgid);
    return it == exec_sp_.end() ? 0 : it->second;
  }

 private:
  Status dispatch(schema::Event::Reader ev);
  ReplayTask* task(pid_t tid);
  // Tasks (replay_tasks.cpp)
  Status on_exec(pid_t tid, schema::ExecEvent::Reader ev);
  Status start_first_task(pid_t tid);
  Status exec_stub(ReplayTask& task);
  Status run_stub_to_syscall_exit(ReplayTask& task);
  Status on_clone(ReplayTask& parent, schema::CloneEvent::Reader ev);
  Result<ptrace::Stop> run_clone(ReplayTask& parent);
  // Delivers the task's pending signal into its handler, when it is asynchronous and caught
  // (signal_frame.h): the task then stands at the handler's first instruction, nothing pending.
  Status enter_pending_handler(ReplayTask& task);
  Status on_exit(pid_t tid, schema::ExitEvent::Reader ev);
  Result<ptrace::Stop> wait_for_death(ReplayTask& task);
  void reap_others_of(pid_t tgid, pid_t except);
  // Events (replay_session.cpp)
  Status on_syscall(ReplayTask& task, schema::SyscallEvent::Reader ev);
  Status finish_syscall(ReplayTask& task, schema::SyscallEvent::Reader ev, const syscalls::SyscallSpec* spec,
                        bool args_rewritten);
  Status complete_syscall(ReplayTask& task, schema::SyscallEvent::Reader ev, user_regs_struct regs,
                          bool args_rewritten);
  // Writes the recorded contents of a mapped file's region (inline, or from
  // the trace's copy of the file) into the task's memory.
  Status fill_mapping(ReplayTask& task, schema::Mapping::Reader m);
  Status rewrite_memory_syscall(ReplayTask& task, schema::SyscallEvent::Reader ev, user_regs_struct& regs);
  Status echo_output(ReplayTask& task, schema::SyscallEvent::Reader ev);
  Status on_signal(ReplayTask& task, schema::SignalEvent::Reader ev);
  Status leave_syscall_for_signal(ReplayTask& task, schema::SignalEvent::Reader ev);
  Status on_instruction(ReplayTask& task, schema::InstructionEvent::Reader ev);
  // The soft tick clock (replay_ticks.cpp).
  Status on_tick_patch(ReplayTask& task, schema::TickPatchEvent::Reader ev);
  Status check_ticks(ReplayTask& task);
  Status run_to_point(ReplayTask& task, uint64_t target, const user_regs_struct& want, const PointDigest& memory);
  Status forget_changed_code(ReplayTask& task, schema::SyscallEvent::Reader ev);
  bool at_recorded_point(ReplayTask& task, schema::SignalEvent::Reader ev);
  Status run_to_tick(ReplayTask& task, SoftClock& clock, uint64_t target);
  Result<bool> run_back_to(ReplayTask& task, uint64_t rip, std::optional<uint64_t> entry);
  // The debugger's tick stop (replay_ticks.cpp): armed before `task` runs;
  // true when the trap at `rip` was it (the task is then stopped for it).
  Status arm_tick_stop(ReplayTask& task);
  Result<bool> on_tick_stop_trap(ReplayTask& task, uint64_t rip);
  pid_t recorded_tid(const ReplayTask& task) const;
  Status clone_clock(const ReplayTask& parent, ReplayTask& child, pid_t rec_child, uint64_t flags, bool thread);
  // `expected_sig`: a signal stop for it is never dropped as foreign.
  Result<ptrace::Stop> resume_and_wait(ReplayTask& task, int expected_sig = 0);
  // Runs `task` to its next syscall entry, unless it already sits there.
  Result<ptrace::Stop> to_entry(ReplayTask& task);
  Status on_syscall_entry(ReplayTask& task, schema::SyscallEntryEvent::Reader ev);
  Status run_deferred_sigsuspend(ReplayTask& task, int sig);
  Status finish_thread_exit(ReplayTask& task);
  // Shared memory files (replay_shadow.cpp)
  int shadowed_fd(ReplayTask& task, schema::SyscallEvent::Reader ev);
  Status run_on_shadow(ReplayTask& task, schema::SyscallEvent::Reader ev, int shadow);
  Status run_memfd_create(ReplayTask& task, schema::SyscallEvent::Reader ev);
  void shadows_after_exec(pid_t tgid);
  Result<ptrace::Stop> wait_for(ReplayTask& task, int expected_sig = 0);
  bool is_foreign_signal(ReplayTask& task, int sig);
  // Debugging (replay_debug.cpp): stops and single steps for a DebugHook.
  bool debugged(const ReplayTask& task) const { return debug_ && debug_->watches(task.tgid); }
  void debug_stop(ReplayTask& task, DebugStopKind kind, int signal = 0, int exit_code = 0, uint64_t addr = 0);
  // A replayed syscall's memory writes that hit a watchpoint.
  void check_watched_writes(ReplayTask& task, schema::SyscallEvent::Reader ev);
  Status resume_for_debugger(ReplayTask& task);
  Result<bool> on_debug_trap(ReplayTask& task, const ptrace::Stop& stop);
  ReplayTask* task_for_step(pid_t tid);

  trace::TraceReader& r_;
  ReplayChecks check_;
  std::string stub_path_;
  bool cpuid_faulting_;
  bool soft_ticks_;
  const trace::DigestMemo digests_ = digest_memo();  // saved copies' digests (fill_mapping)
  std::map<pid_t, std::shared_ptr<SoftClock>> clocks_;   // by recorded process (a vfork child shares)
  std::map<pid_t, std::unique_ptr<ReplayTask>> tasks_;  // by recorded tid
  std::map<pid_t, uint64_t> brk_;                        // by recorded process
  std::map<pid_t, std::map<int64_t, ShadowFd>> shadows_; // by recorded process: recorded fd -> shadow
  pid_t root_ = 0;
  std::optional<ProgramOutcome> root_outcome_;
  DebugHook* debug_ = nullptr;
  std::map<pid_t, uint64_t> exec_sp_;  // by recorded process
  // With a debugger: waits for `task`, stopping it for the debugger's
  // interrupt (Ctrl-C) even in long syscall-free stretches.
  Result<ptrace::Stop> wait_interruptible(ReplayTask& task);
};

}  // namespace ebb::session
