#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "engine/ptrace/tracee.h"

namespace ebb::ptrace {

Result<pid_t> fork_stopped_child(ChildFn before_stop, ChildFn after_stop, void* arg) {
  pid_t pid = ::fork();
  if (pid < 0) return os_error("fork");
  if (pid == 0) {
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) < 0) _exit(126);
    if (before_stop) before_stop(arg);
    ::raise(SIGSTOP);
    if (after_stop) after_stop(arg);
    _exit(127);
  }
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, __WALL);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return os_error("waitpid for the new tracee");
  if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
    return make_error(ErrorKind::kTraceeGone,
                      "the new tracee did not reach its first stop (status " +
                          std::to_string(status) + ")");
  }
  return pid;
}

}  // namespace ebb::ptrace
