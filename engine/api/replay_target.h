// ReplayTarget: a replay a debugger drives. The engine owns execution: the
// replay only ever moves forward through the recorded events, and every
// thread runs exactly as it did when recorded; the debugger chooses where to
// stop (breakpoints, single steps) and looks at registers and memory.
// Value types only: front ends (gdbstub/target) never see engine objects.
//
// Threading: all calls must come from the thread that called open() (ptrace
// requires it). Reverse execution: resume() with kReverseContinue or
// kReverseStep goes back through checkpoints the session makes by itself
// (docs/reverse.md); it needs ebb replay's own process (options.anchor).
//
// Writes to registers or memory start a diversion: from then on the
// selected process runs live (its syscalls fail with ENOSYS, nothing
// outside is touched), as a debugger's function call needs. The diversion
// ends at the first resume after the registers are back as they were
// before it (a function call returned, or only memory was written): that
// resume first puts the process back exactly as recorded.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/result.h"

namespace ebb::api {

struct ThreadRef {
  int pid = 0;  // recorded process id
  int tid = 0;  // recorded thread id
  bool operator==(const ThreadRef&) const = default;
};

enum class StopReason {
  kInitial,      // at the selected process's first instruction after exec
  kBreakpoint,   // a software breakpoint; the pc is the breakpoint's address
  kStep,         // a single step finished
  kSignal,       // a recorded signal is about to be delivered (`signal`)
  kExited,       // the selected process exited (`exit_code`) or the recording ended
  kKilled,       // the selected process was killed by `signal`
  kInterrupted,  // the debugger interrupted the run
  kWatch,        // a watchpoint at `watch_addr` was hit (after the access; going backwards, before it)
  kHistoryBegin, // going backwards, the replay reached the start of its history
};

struct StopInfo {
  StopReason reason = StopReason::kInitial;
  ThreadRef thread;
  int signal = 0;
  int exit_code = 0;
  uint64_t watch_addr = 0;
  // The answer came from another process of the session (a checkpoint that
  // replayed to this moment): the caller's own state is as it was when that
  // checkpoint was made, and `client_state` is what the ResumeAction carried.
  bool travelled = false;
  std::string client_state;
};

enum class WatchKind { kWrite = 1, kRead = 2, kAccess = 3 };

// General registers in struct user_regs_struct order (rax is index 10, rip
// 16, see engine/arch/regs.h) and the FXSAVE area (x87, SSE, mxcsr).
struct RegisterSet {
  std::array<uint64_t, 27> gp{};
  std::array<uint8_t, 512> fxsave{};
};

struct Checkpoint {
  int id = 0;
  std::string where;  // "event N, pc 0x..."
};

struct CheckpointMade {
  int id = 0;
  // False where the checkpoint was asked for; true in the process that a
  // later restart_checkpoint(id) resumed from it.
  bool resumed = false;
};

enum class ResumeKind { kContinue, kStep, kReverseContinue, kReverseStep };

struct ResumeAction {
  ResumeKind kind = ResumeKind::kContinue;
  ThreadRef thread;  // the thread to step (kStep, kReverseStep)
  // The front end's own state (its breakpoint tables, say), handed back in
  // StopInfo::client_state when the answer comes from another process.
  std::string client_state;
};

struct ReplayTargetOptions {
  std::string trace;  // "" = latest
  int pid = 0;        // the process to debug; 0 = the first one recorded
  bool from_fork = false;  // stop first at its creation, even if it execs later
  uint64_t goto_event = 0; // stop first once the replay has reached this event (ebb dump numbers)
  // The process whose end ends the session's checkpoints (ebb replay's
  // front process); 0: checkpoints are refused.
  int anchor = 0;
};

class ReplayTarget {
 public:
  static Result<std::unique_ptr<ReplayTarget>> open(const ReplayTargetOptions& options);
  virtual ~ReplayTarget() = default;

  // Replays up to the selected process's first exec and stops there.
  virtual Result<StopInfo> start() = 0;
  // Threads of the selected process that exist at this point of the replay.
  virtual std::vector<ThreadRef> threads() = 0;
  // The thread of the last stop.
  virtual ThreadRef current_thread() = 0;
  virtual Result<RegisterSet> registers(ThreadRef thread) = 0;
  // The program's own bytes: breakpoints ebb inserted are not visible.
  virtual Result<std::vector<uint8_t>> read_memory(ThreadRef thread, uint64_t addr, size_t len) = 0;
  virtual Status write_registers(ThreadRef thread, const RegisterSet& regs) = 0;
  virtual Status write_memory(ThreadRef thread, uint64_t addr, const std::vector<uint8_t>& data) = 0;
  // Ends a diversion now, if there is one (a debugger that leaves).
  virtual Status end_diversion() = 0;
  virtual Status insert_breakpoint(uint64_t addr) = 0;
  virtual Status remove_breakpoint(uint64_t addr) = 0;
  // Watchpoints in debug registers: at most 4, of 1, 2, 4 or 8 aligned
  // bytes (kUnsupported otherwise). Writes made by replayed syscalls (a
  // read(2) into the buffer) hit write and access watchpoints too.
  virtual Status insert_watchpoint(WatchKind kind, uint64_t addr, uint64_t len) = 0;
  virtual Status remove_watchpoint(WatchKind kind, uint64_t addr, uint64_t len) = 0;
  // Runs forward until a breakpoint, the end of a step, a recorded signal of
  // the selected process, its end, or `interrupted()` returning true (polled
  // at least every 50 ms).
  virtual Result<StopInfo> resume(const ResumeAction& action, const std::function<bool()>& interrupted) = 0;
  // Checkpoints: each one a sleeping fork of the replay (engine and every
  // replayed process). checkpoint() returns twice, as fork(2) does: here,
  // and later in the process that restart_checkpoint() resumes, which then
  // owns the session (its caller's state is as it was at the checkpoint).
  // restart_checkpoint() does not return on success: this process exits.
  virtual Result<CheckpointMade> checkpoint() = 0;
  virtual Status restart_checkpoint(int id) = 0;
  virtual Status delete_checkpoint(int id) = 0;
  virtual Result<std::vector<Checkpoint>> checkpoints() = 0;
  // The trace event the replay is at (ebb dump's numbering).
  virtual uint64_t current_event() = 0;
  // With a trace recorded with --ticks=soft: the thread's tick count now,
  // and a stop (reported as a step's end) when it reaches `target`, going
  // forward; kUnsupported without the clock.
  virtual Result<uint64_t> thread_ticks(ThreadRef thread) = 0;
  virtual Status stop_at_tick(ThreadRef thread, uint64_t target) = 0;
  // Time travel for the next resume(), whichever kind: it goes to the
  // boundary after event `event` (goto_event), or to the first moment at
  // which `thread` has `ticks` ticks (goto_tick; or to the very moment
  // where mark_ticks() was called at that count), backwards or forwards,
  // and stops there as a step.
  virtual Status goto_event(uint64_t event) = 0;
  virtual Status goto_tick(ThreadRef thread, uint64_t ticks) = 0;
  virtual Status mark_ticks(ThreadRef thread) = 0;
  // The recorded program's path (as exec'd) and its auxiliary vector.
  virtual std::string exe_path() = 0;
  virtual Result<std::vector<uint8_t>> auxv() = 0;
  // The path (on this host) of the copy of the file `path` that the trace
  // saved when the recorded program mapped it executable: the program, the
  // loader, its libraries, as they were then. kBadInput when the trace has
  // no copy of it (not mapped executable, or the copy failed). Read-only.
  virtual Result<std::string> saved_file(const std::string& path) = 0;
  // The loaded shared objects at this point of the replay, as gdb's
  // <library-list-svr4 version="1.0" main-lm="0x..."> document: one
  // <library name lm l_addr l_ld lmid/> per link_map entry after the executable's.
  // Before the loader has filled r_debug, and for a static executable, the
  // list is empty and has no main-lm.
  virtual Result<std::string> libraries_svr4() = 0;
  // The 128-byte siginfo_t of `thread`'s signal stop: the recorded one. An
  // error (kBadInput) unless the last stop was a signal of that thread.
  virtual Result<std::vector<uint8_t>> siginfo(ThreadRef thread) = 0;
};

// Removes what remains of the checkpoints of the session anchored at
// `anchor` (ReplayTargetOptions::anchor), once it is over.
void end_checkpoints(int anchor);

}  // namespace ebb::api
