// A diversion: the debugger changed the replayed program (a register or
// memory write, the set-up of a function call) and ebb runs it live from
// there, away from the recording: its syscalls fail with ENOSYS and touch
// nothing outside. A copy of the process taken before the first change
// (ProcessSnapshot) is put back when the diversion ends, so the replay goes
// on exactly as recorded.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "engine/base/result.h"
#include "engine/session/process_snapshot.h"
#include "engine/session/replay_task.h"

namespace ebb::session {

class Diversion {
 public:
  static Result<std::unique_ptr<Diversion>> begin(Replayer& replayer, pid_t tgid);

  // Whether the debugger has put the registers back as they were when the
  // diversion began (a function call that returned, or no register change
  // at all): then the next resume ends the diversion.
  Result<bool> registers_restored(Replayer& replayer);
  // Puts the copy back. `breakpoints_then` are the debugger's breakpoints
  // (address -> the program's byte) when the diversion began: the copy has
  // those, and is brought to the session's current ones.
  Status end(Replayer& replayer, const std::map<uint64_t, uint8_t>& breakpoints_then,
             const std::map<uint64_t, uint8_t>& breakpoints_now);
  // Runs `task` live: one instruction (`step`) or until a breakpoint,
  // watchpoint, signal, death or the debugger's interrupt.
  Result<DebugStop> run(ReplayTask& task, pid_t recorded_tid, bool step, DebugHook& hook);

 private:
  Diversion(ProcessSnapshot s, pid_t tgid) : snapshot_(std::move(s)), tgid_(tgid) {}
  Result<std::optional<DebugStop>> on_stop(ReplayTask& task, pid_t tid, bool step, const ptrace::Stop& stop,
                                           DebugHook& hook);
  Status skip_syscall(ReplayTask& task);
  ProcessSnapshot snapshot_;
  pid_t tgid_;
};

}  // namespace ebb::session
