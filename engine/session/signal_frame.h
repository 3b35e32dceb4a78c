// The frame the kernel builds for a signal handler holds, in its ucontext, the trap number,
// error code and fault address of the thread's last trap. For a fault that is the fault, the
// same in record and replay. For an asynchronous signal (sent, or a timer's) it is whatever trap
// came last, and ebb's own traps come and go: CPUID and RDTSC faults while recording, breakpoints,
// single steps and tick interrupts while replaying. A handler that reads those fields (or a
// memory digest taken while its frame is live) would then see other values in replay. So record
// and replay both enter the handler of an asynchronous signal by a single step, which ptrace
// ends at the handler's first instruction with the frame built, and clear the three fields.
#pragma once

#include <signal.h>

#include "engine/base/result.h"
#include "engine/ptrace/tracee.h"

namespace ebb::session {

// Whether `sig` with `info` was raised by the instruction at the thread's pc (a fault) rather
// than sent: SIGSEGV, SIGBUS, SIGILL, SIGFPE or SIGTRAP with a kernel si_code.
bool is_fault_signal(int sig, const siginfo_t& info);

// At `t`'s signal-delivery-stop for `sig`, with its siginfo set: whether `sig` is asynchronous
// and the program has a handler for it.
Result<bool> runs_async_handler(ptrace::Tracee& t, int sig);

// At the stop that ends a single step into a handler (SIGTRAP with si_code SIGTRAP, at the
// handler's first instruction): clears a trap flag the kernel saved in the frame's eflags, or
// the handler's return (rt_sigreturn) would trap again. Any signal's frame.
Status clear_saved_trap_flag(ptrace::Tracee& t);

// At the same stop, for an asynchronous signal: zeroes the trap number, error code and fault
// address in the frame's ucontext, and clears the saved trap flag.
Status clear_frame(ptrace::Tracee& t);

// At `t`'s signal-delivery-stop for `sig`, with its siginfo set: when runs_async_handler,
// delivers `sig` by a single step into the handler and clears the frame; returns true (`sig` is
// delivered: resume with no signal). Otherwise does nothing and returns false.
Result<bool> enter_handler(ptrace::Tracee& t, int sig);

}  // namespace ebb::session
