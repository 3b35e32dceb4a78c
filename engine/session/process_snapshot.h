// A copy of one replayed process at a stop, made by having it fork: the copy
// sits in a ptrace-stop, untouched, until restore() puts it in the place of
// the process it was copied from (and the replay goes on from the moment of
// the copy). Diversions use it to undo what a debugger did to the program;
// checkpoints use it for every process of the replay.
//
// fork(2) copies only the thread that calls it: the process's other threads
// are made again in the copy (injected clones) with their registers, XSAVE
// state, signal mask and clear-child-tid address. Not carried over: their
// alternate signal stacks and robust-futex lists.
#pragma once

#include <signal.h>
#include <sys/user.h>

#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"

namespace ebb::session {

class Replayer;
struct ReplayTask;

class ProcessSnapshot {
 public:
  // Copies the recorded process `tgid`. Refuses (kUnsupported, saying why)
  // where the copy could not be faithful: shared writable memory, a memfd,
  // a thread in the middle of a clone, vfork, exit or sigsuspend.
  static Result<ProcessSnapshot> take(Replayer& replayer, pid_t tgid);
  ProcessSnapshot(ProcessSnapshot&& other) noexcept { *this = std::move(other); }
  ProcessSnapshot& operator=(ProcessSnapshot&& other) noexcept;
  ProcessSnapshot(const ProcessSnapshot&) = delete;
  ProcessSnapshot& operator=(const ProcessSnapshot&) = delete;
  ~ProcessSnapshot();  // kills the copy unless it was restored or handed over

  // Kills the process's live threads and puts the copy in their place.
  Status restore(Replayer& replayer);
  // Lets the copy go (each thread asleep in pause(2)) for another process
  // to adopt.
  Status hand_over();
  // In the process that takes the copy over (after hand_over() in the one
  // that made it): attaches to it and puts it in the place of the threads,
  // which belong to the other process and are left alone.
  Status adopt(Replayer& replayer);
  // Gives up the copy without killing it (it now belongs to another process).
  void release() { threads_.clear(); }
  // Whether every thread of the copy has the registers it had when copied
  // (the thread-pointer and orig_rax aside, as a debugger writes them).
  Result<bool> same_registers(Replayer& replayer) const;

 private:
  struct Thread {
    pid_t tid = 0;  // recorded
    pid_t copy = 0; // the copy's thread
    user_regs_struct regs{};
    std::vector<uint8_t> xstate;
    uint64_t blocked = 0;  // signal mask
    uint64_t clear_child_tid = 0;
    int stop_sig = 0;  // the thread sat in the delivery of this signal
    siginfo_t info{};
  };
  ProcessSnapshot() = default;
  static Result<Thread> describe(ReplayTask& task, pid_t tid);
  Status make_threads(ptrace::Tracee& leader);
  Status take_place_of(Replayer& replayer, const Thread& th);
  void kill_copy();
  pid_t tgid_ = 0;
  uint64_t syscall_insn_ = 0;  // a `syscall` instruction in the process
  std::vector<Thread> threads_;  // [0] made the fork
};

// Why `task` cannot be copied right now, or "" when it can.
std::string why_not_copyable(const ReplayTask& task);

}  // namespace ebb::session
