// A copy of one replayed process at a stop, made by having it fork: the copy
// sits in a ptrace-stop, untouched, until restore() puts it in the place of
// the process it was copied from (and the replay goes on from the moment of
// the copy). Diversions use it to undo what a debugger did to the program;
// checkpoints use it for every process of the replay.
#pragma once

#include <signal.h>
#include <sys/user.h>

#include <string>

#include "engine/base/result.h"

namespace ebb::session {

class Replayer;
struct ReplayTask;

class ProcessSnapshot {
 public:
  // Copies the recorded process `tgid`. Refuses (kUnsupported, saying why)
  // where the copy could not be faithful: several threads, shared writable
  // memory, a thread in the middle of a clone, vfork, exit or sigsuspend.
  static Result<ProcessSnapshot> take(Replayer& replayer, pid_t tgid);
  ProcessSnapshot(ProcessSnapshot&& other) noexcept;
  ProcessSnapshot& operator=(ProcessSnapshot&& other) noexcept;
  ProcessSnapshot(const ProcessSnapshot&) = delete;
  ProcessSnapshot& operator=(const ProcessSnapshot&) = delete;
  ~ProcessSnapshot();  // kills the copy unless it was restored

  // Kills the process's live thread and puts the copy in its place.
  Status restore(Replayer& replayer);
  // Lets the copy go (asleep in pause(2)) for another process to adopt.
  Status hand_over();
  // In the process that takes the copy over (after hand_over() in the one
  // that made it): attaches to it and puts it in the place of the thread,
  // which belongs to the other process and is left alone.
  Status adopt(Replayer& replayer);
  pid_t recorded_tid() const { return tid_; }
  pid_t copy_pid() const { return copy_; }
  // The thread's registers at the moment of the copy.
  const user_regs_struct& regs() const { return regs_; }
  // Gives up the copy without killing it (it now belongs to someone else).
  void release() { copy_ = 0; }
  // Adopts the copy as `pid` (after another process took it over).
  void set_copy(pid_t pid) { copy_ = pid; }

 private:
  ProcessSnapshot() = default;
  Status take_place_of(ReplayTask& task);
  pid_t tgid_ = 0, tid_ = 0;
  pid_t copy_ = 0;
  user_regs_struct regs_{};
  uint64_t syscall_insn_ = 0;  // a `syscall` instruction in the process
  int stop_sig_ = 0;  // the thread sat in the delivery of this signal
  siginfo_t info_{};
};

// Why `task` cannot be copied right now, or "" when it can.
std::string why_not_copyable(const ReplayTask& task);

}  // namespace ebb::session
