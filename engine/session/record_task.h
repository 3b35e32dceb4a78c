// Internal to the recorder: a recorded task and the component that turns
// its stops into trace events. Not part of the session layer's interface.
#pragma once

#include <sys/user.h>

#include <capnp/message.h>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"
#include "engine/session/outcome.h"
#include "engine/session/point_digest.h"
#include "engine/session/scan_store.h"
#include "engine/session/soft_clock.h"
#include "engine/session/stdio_fds.h"
#include "engine/syscalls/table.h"
#include "engine/trace/writer.h"

namespace ebb::session {

struct PendingSyscall {
  int64_t nr = -1;
  uint64_t args[6] = {};
  syscalls::SyscallCall call{};  // with the values captured at entry
  bool forced = false;
  std::string exec_filename;
  std::vector<std::string> exec_argv;
};

// Where a task is, as the recorder's scheduler sees it. At most one task is
// kRunning (executing user code) at any time; that is what makes the
// recording replayable in event order.
enum class TaskState {
  kNew,       // created by clone/fork, initial stop not seen yet
  kReady,     // in a ptrace-stop, waiting for its turn to run user code
  kRunning,   // running user code
  kInKernel,  // resumed past a syscall entry; its exit stop comes next
  kExiting,   // past PTRACE_EVENT_EXIT
  kParked,    // at the entry of a write to stdout/stderr, waiting for another to finish
};

struct RecordTask {
  RecordTask(pid_t tid, pid_t tgid) : t(tid), tgid(tgid) {}
  pid_t tid() const { return t.pid(); }

  ptrace::Tracee t;
  pid_t tgid;
  TaskState state = TaskState::kNew;
  bool linked = false;          // the parent's clone event was seen
  bool initial_stop = false;    // its first ptrace-stop was seen
  PendingSyscall pending;
  int resume_sig = 0;
  bool exec_pending = false;    // PTRACE_EVENT_EXEC seen, execve exit not yet
  pid_t exec_former_tid = 0;
  bool called_exit = false;     // entered exit(2): a thread exit is recorded
  int64_t restartblock_nr = -1; // the last call interrupted with -ERESTART_RESTARTBLOCK
  pid_t vfork_parent = 0;       // a vfork child, until it execs or dies
  // Sent signals are delivered at syscall boundaries (replay can place them
  // there without a tick clock): one that arrives in the middle of user code
  // waits for the task's next syscall exit, or for a deadline.
  bool has_boundary = false;
  user_regs_struct boundary_regs{};             // registers at its last syscall exit
  std::vector<siginfo_t> deferred_signals;
  std::chrono::steady_clock::time_point deferred_since;
  std::map<int, siginfo_t> redelivering;        // re-sent by ebb: the original siginfo
  bool force_delivery = false;                  // deadline passed: deliver where it stops
  bool preempt_requested = false;               // interrupted after a long syscall-free run
  bool deferred_exit = false;   // a vfork parent whose syscall exit waits for the child's exec
  uint64_t tick_block = 0;      // --ticks=soft: a new thread's counter block, attached before it first runs
  bool timeslice_armed = true;  // its countdown may be armed for the end of a timeslice (a fork's copy may be)
};

// With --ticks=soft, a task that runs user code while others wait for their turn is stopped
// after this many ticks (back-edges taken and functions entered: a millisecond or a few of
// compute here) and recorded as a PreemptEvent at that exact tick. Code that ticks no site
// (JIT output) is still preempted by wall time (Recorder::wait_next).
inline constexpr uint64_t kTimesliceTicks = 1'000'000;

class EventRecorder {
 public:
  EventRecorder(trace::TraceWriter& writer, bool cpuid_faulting, bool soft_ticks)
      : w_(writer), cpuid_faulting_(cpuid_faulting), soft_ticks_(soft_ticks) {}

  // True once the program's first exec completed (events are written from then on).
  bool started() const { return started_; }
  // Syscall entry: kUnsupported (with a message) when ebb cannot record it.
  Status on_entry(RecordTask& task, user_regs_struct regs);
  Status on_exit(RecordTask& task, user_regs_struct regs, StdioFds& fds);
  Status on_signal(RecordTask& task, int sig);
  // Marks that `task` entered its pending syscall (see SyscallEntryEvent).
  Status write_entry(const RecordTask& task);
  Status write_clone(const RecordTask& parent, RecordTask& child, uint64_t flags, bool thread);
  // A new thread's tick counter block (reserved at its clone), attached
  // before it first runs user code.
  Status before_first_run(RecordTask& task);
  Status write_exit(pid_t tid, const ProgramOutcome& outcome);
  // The task was stopped in syscall-free code so that others could run.
  Status write_preempt(RecordTask& task);
  // --ticks=soft: the task's timeslice ends kTimesliceTicks ticks from now (SoftClock::arm);
  // not armed while it stands inside a tick sequence (which holds the countdown in rcx). Without
  // `others` to run, a countdown still armed is disarmed: it never runs on below zero (the
  // short tick's flags, counter_block.h, depend on its staying positive).
  Status arm_timeslice(RecordTask& task, bool others);
  // Whether the SIGTRAP `task` stopped with is the end of its timeslice (a trampoline's
  // interrupt): the task stands exactly at its armed tick.
  bool is_timeslice_end(RecordTask& task);
  // Sends the task's deferred signals again (they arrive at its next resume).
  Status redeliver_deferred(RecordTask& task);
  Status finish(const std::string& note) { return w_.finish(note); }
  uint64_t event_count() const { return w_.event_count(); }

 private:
  Status on_exec_exit(RecordTask& task, const user_regs_struct& regs);
  Status on_trapped_insn(RecordTask& task, int insn, user_regs_struct regs);
  Status fill_mapping(RecordTask& task, schema::Mapping::Builder m, int64_t result);
  void read_exec_args(RecordTask& task);
  bool at_boundary(const RecordTask& task, const user_regs_struct& regs) const;
  Status write_event(capnp::MessageBuilder& msg);
  schema::Event::Builder new_event(capnp::MessageBuilder& msg, pid_t tid);
  // The soft tick clock (--ticks=soft): the process's count on `ev`, and the
  // patching of executable mappings that appeared (each a TickPatch event).
  Status stamp(schema::Event::Builder ev, RecordTask& task);
  Status patch_new_code(RecordTask& task);
  // After a syscall that may have unmapped or unprotected patched code (SoftClock::code_changed).
  Status forget_changed_code(RecordTask& task, int64_t nr, std::span<const uint64_t> args, int64_t result);
  Result<std::optional<PointDigest>> point_memory(RecordTask& task, const user_regs_struct& regs);

  trace::TraceWriter& w_;
  const trace::DigestMemo digests_ = digest_memo();
  bool cpuid_faulting_;
  bool soft_ticks_;
  std::map<pid_t, std::shared_ptr<SoftClock>> clocks_;  // by process; a vfork child shares its parent's
  bool started_ = false;
  bool digest_every_point_ = std::getenv("EBB_DIGEST_EVERY_POINT") != nullptr;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

}  // namespace ebb::session
