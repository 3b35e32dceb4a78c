// The only code that calls ptrace(2) and waitpid(2). A Tracee is one traced
// thread; every call requires it to be in a ptrace-stop unless noted.
// Failures that the OS can produce at any time (the thread was killed:
// ESRCH) come back as Error{kTraceeGone}, never as a crash.
#pragma once

#include <sys/ptrace.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/user.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/fd.h"
#include "engine/base/result.h"
#include "engine/ptrace/remote_ptr.h"

namespace ebb::ptrace {

enum class StopKind {
  kSyscall,     // syscall entry or exit (PTRACE_O_TRACESYSGOOD)
  kSignal,      // signal-delivery-stop; `sig` is the signal
  kEvent,       // PTRACE_EVENT_* stop; `event` says which
  kExited,      // the thread is gone: exit status in `status`
  kKilled,      // the thread is gone: killed by `sig`
};

struct Stop {
  StopKind kind;
  int sig = 0;
  int event = 0;
  int status = 0;
  bool core_dumped = false;
};

enum class SyscallPhase { kEntry, kExit, kOther };

// Decodes a waitpid(2) status.
Stop decode_wait_status(int status);

struct AnyStop {
  pid_t tid;
  Stop stop;
};
// Waits for the next stop or death of any tracee (waitpid(-1, __WALL)).
// kTraceeGone when there is none left (ECHILD). With `interruptible`, a
// signal to ebb (its own timer) ends the wait early with tid 0.
Result<AnyStop> wait_any(bool interruptible = false);
// Like wait_any, without blocking: tid 0 when nothing is pending.
Result<AnyStop> poll_any();
// Waits for the next stop or death among `tids` only (polling), leaving
// other tracees' notifications for later.
Result<AnyStop> wait_any_of(const std::vector<pid_t>& tids);

class Tracee {
 public:
  explicit Tracee(pid_t pid);
  pid_t pid() const { return pid_; }

  Status set_options(long options);
  // Debug registers DR0-DR7 (hardware breakpoints and watchpoints).
  Result<uint64_t> debugreg(int index) const;
  Status set_debugreg(int index, uint64_t value);
  // Runs one instruction (PTRACE_SINGLESTEP), delivering `sig`.
  Status resume_step(int sig = 0);
  // Resumes without syscall stops (PTRACE_CONT).
  Status resume_cont(int sig = 0);
  // Resumes to the next syscall stop or signal (PTRACE_SYSCALL), delivering
  // `sig` (0 for none).
  Status resume_syscall(int sig = 0);
  // Blocks until this thread stops or dies.
  Result<Stop> wait();
  // The same without blocking: nullopt while it runs.
  Result<std::optional<Stop>> poll();

  Result<user_regs_struct> regs() const;
  Status set_regs(const user_regs_struct& regs);
  Result<user_fpregs_struct> fpregs() const;
  Status set_fpregs(const user_fpregs_struct& fpregs);
  // The whole XSAVE area (x87, SSE, AVX...: PTRACE_GETREGSET NT_X86_XSTATE).
  Result<std::vector<uint8_t>> xstate() const;
  Status set_xstate(const std::vector<uint8_t>& area);
  // The thread's blocked signals (PTRACE_GETSIGMASK), a 64-bit set.
  Result<uint64_t> blocked_signals() const;
  Status set_blocked_signals(uint64_t mask);
  Result<siginfo_t> siginfo() const;
  Status set_siginfo(const siginfo_t& info);
  // At a syscall stop: entry or exit (PTRACE_GET_SYSCALL_INFO).
  Result<SyscallPhase> syscall_phase() const;
  Result<unsigned long> event_msg() const;

  // Memory through /proc/PID/mem (works on read-only and PROT_NONE pages
  // of private mappings, as a debugger's writes do).
  Status read(RemoteAddr addr, void* buf, size_t len);
  Status write(RemoteAddr addr, const void* buf, size_t len);
  // Reads `len` bytes; pages that cannot be read come back as zeros.
  // Returns how many bytes were readable.
  size_t read_best_effort(RemoteAddr addr, void* buf, size_t len);
  Result<std::string> read_c_string(RemoteAddr addr, size_t max_len = 4096);
  // Drops the cached /proc/PID/mem descriptor (after exec the old one
  // refers to the old address space).
  void reopen_memory();

  void kill();
  // Lets the thread go (PTRACE_DETACH), delivering `sig`, which only
  // works from a signal-delivery-stop.
  Status detach(int sig);
  // Stops the running thread (PTRACE_INTERRUPT; reported as PTRACE_EVENT_STOP).
  Status interrupt();
  // After exec by a non-leader thread the kernel gives it the leader's tid.
  void set_tid(pid_t tid) {
    pid_ = tid;
    reopen_memory();
  }

 private:
  Status open_mem();
  pid_t pid_;
  ScopedFd mem_fd_;
};

// A register snapshot changed into a syscall invocation at `syscall_insn`.
// Runs `nr(args)` in the tracee, which must be stopped in a state where it
// can be resumed into user code (a syscall-exit, signal or event stop, not a
// syscall-entry stop). Registers are left as the syscall left them; the
// caller restores what it needs.
Result<int64_t> remote_syscall(Tracee& t, RemoteAddr syscall_insn, int64_t nr,
                               uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
                               uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0);

// Attaches to `pid` (PTRACE_SEIZE with `options`) and stops it
// (PTRACE_INTERRUPT): returns once it sits in that ptrace-stop. For a
// process another tracer handed over (stopped by SIGSTOP, then detached).
Status seize_and_stop(pid_t pid, long options);

// Reaps `pid`, a child of this process that is not a tracee (a checkpoint's
// engine process), if it has ended; true then. Never blocks.
bool reap_if_ended(pid_t pid);

// Makes the tracee fork (an injected fork(2) at `syscall_insn`, as
// remote_syscall) and returns the child's pid once the child sits in its
// first ptrace-stop (auto-attached: the tracee's tracer must have set
// PTRACE_O_TRACEFORK). The child is a copy of the calling thread only, and
// its registers are those after the fork: the caller sets the ones it wants
// in both. The tracee's registers are left as the syscall left them.
Result<pid_t> remote_fork(Tracee& t, RemoteAddr syscall_insn);

// Makes the tracee create a thread in its process (an injected clone(2)
// sharing memory, files and signal handlers) and returns the new thread's
// tid once it sits in its first ptrace-stop (PTRACE_O_TRACECLONE). Its
// registers are the tracee's after the clone: the caller sets its own.
Result<pid_t> remote_clone_thread(Tracee& t, RemoteAddr syscall_insn);

// The address of some `syscall` instruction (0f 05) in an executable
// mapping of process `pid`, for injected syscalls; 0 when there is none.
uint64_t find_syscall_instruction(Tracee& t);

// Forks a child that runs `before_stop`, stops itself, and is then seized
// with PTRACE_SEIZE and `options`. Returns once the child sits in its first
// ptrace-stop (a SIGCONT signal-delivery-stop: resume it with signal 0).
// When resumed, the child runs `after_stop` (e.g. execve). Both run in the
// forked process and must only make async-signal-safe calls.
using ChildFn = void (*)(void* arg);
Result<pid_t> fork_stopped_child(ChildFn before_stop, ChildFn after_stop, void* arg, long options);

}  // namespace ebb::ptrace
