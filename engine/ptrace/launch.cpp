#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "engine/ptrace/tracee.h"

namespace ebb::ptrace {

namespace {
Result<int> wait_status(pid_t pid, int flags) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, flags);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return os_error("waitpid for the new tracee");
  return status;
}
}  // namespace

// The child stops itself (a plain group-stop, not traced yet); ebb seizes it
// (PTRACE_SEIZE: group-stops are reported as PTRACE_EVENT_STOP and
// PTRACE_INTERRUPT works, unlike PTRACE_TRACEME) and wakes it with SIGCONT,
// whose signal-delivery-stop is the first ptrace-stop the caller sees.
Result<pid_t> fork_stopped_child(ChildFn before_stop, ChildFn after_stop, void* arg, long options) {
  pid_t pid = ::fork();
  if (pid < 0) return os_error("fork");
  if (pid == 0) {
    if (before_stop) before_stop(arg);
    ::raise(SIGSTOP);
    if (after_stop) after_stop(arg);
    _exit(127);
  }
  auto status = wait_status(pid, WUNTRACED);
  if (!status) return status.error();
  if (!WIFSTOPPED(*status) || WSTOPSIG(*status) != SIGSTOP) {
    return make_error(ErrorKind::kTraceeGone,
                      "the new tracee did not reach its first stop (status " + std::to_string(*status) + ")");
  }
  if (::ptrace(PTRACE_SEIZE, pid, nullptr, options) < 0) {
    Error e = os_error("PTRACE_SEIZE of the new tracee");
    ::kill(pid, SIGKILL);
    return e;
  }
  ::kill(pid, SIGCONT);
  while (true) {
    status = wait_status(pid, __WALL);
    if (!status) return status.error();
    if (!WIFSTOPPED(*status)) {
      return make_error(ErrorKind::kTraceeGone, "the new tracee ended before its first ptrace stop");
    }
    if (WSTOPSIG(*status) == SIGCONT && (*status >> 16) == 0) return pid;
    // A group-stop (PTRACE_EVENT_STOP) reported before SIGCONT arrived.
    if (::ptrace(PTRACE_CONT, pid, nullptr, nullptr) < 0) return os_error("PTRACE_CONT of the new tracee");
  }
}

}  // namespace ebb::ptrace
