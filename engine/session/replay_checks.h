// Divergence detection for replay: every check compares what the replaying
// program did with the event the trace holds, and on a difference returns
// kDivergence naming the event number and what differed.
#pragma once

#include <sys/user.h>

#include "engine/arch/cpu.h"
#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"
#include "engine/session/outcome.h"
#include "engine/trace/reader.h"

namespace ebb::session {

class ReplayChecks {
 public:
  explicit ReplayChecks(trace::TraceReader& r) : r_(r) {}

  Error corrupt(const std::string& what) const;
  Error diverged(const std::string& what) const;
  // At the end of the readable events (no exit event reached).
  Error end_of_trace() const;

  // A point of the recording that only a tick clock could find again.
  Error needs_tick_clock(const std::string& what, uint64_t rip) const;
  Status syscall_entry(ptrace::Tracee& t, const ptrace::Stop& stop, schema::SyscallEvent::Reader ev) const;
  // At a syscall-entry event: the task entered syscall `nr`.
  Status syscall_entered(ptrace::Tracee& t, const ptrace::Stop& stop, int64_t nr) const;
  Status syscall_exit(const ptrace::Stop& stop, schema::SyscallEvent::Reader ev) const;
  Status executed_result(int64_t got, schema::SyscallEvent::Reader ev) const;
  Status registers_after(const user_regs_struct& got, const user_regs_struct& want, bool args_rewritten,
                         schema::SyscallEvent::Reader ev) const;
  Status async_signal_point(ptrace::Tracee& t, schema::SignalEvent::Reader ev) const;
  Status signal_stop(ptrace::Tracee& t, const ptrace::Stop& stop, schema::SignalEvent::Reader ev) const;
  Result<arch::TrappedInsn> trapped_instruction(ptrace::Tracee& t, const ptrace::Stop& stop,
                                                schema::InstructionEvent::Reader ev) const;
  Status exit(const ptrace::Stop& stop, schema::ExitEvent::Reader ev) const;

 // What a stop was, for a message: "the program received SIGCHLD".
  std::string describe_stop(const ptrace::Stop& stop) const;

 private:
  Status compare_regs(const user_regs_struct& got, const user_regs_struct& want, uint32_t ignore,
                      const std::string& where) const;
  trace::TraceReader& r_;
};

}  // namespace ebb::session
