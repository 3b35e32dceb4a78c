// A child process made with a raw clone3 (CLONE_PIDFD, exit_signal SIGCHLD, no new stack: it
// runs on a copy of the parent's). The parent polls the pidfd until the child has exited and
// reaps it with waitid(P_PIDFD).
// ebb-test: expect-stdout: child: running, is not the parent 1
// ebb-test: expect-stdout: parent: pidfd readable 1, waitid status 11, pid matches 1
#define _GNU_SOURCE
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t parent = getpid();
  int pidfd = -1;
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = CLONE_PIDFD;
  args.pidfd = (uint64_t)(uintptr_t)&pidfd;
  args.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    perror("clone3");
    return 1;
  }
  if (pid == 0) {
    // Like fork without glibc's bookkeeping: only async-signal-safe calls here.
    char buf[64];
    int n = snprintf(buf, sizeof buf, "child: running, is not the parent %d\n",
                     (int)syscall(SYS_getpid) != parent);
    if (write(1, buf, (size_t)n) != n) syscall(SYS_exit_group, 1);
    syscall(SYS_exit_group, 11);
  }
  struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
  int ready = poll(&pfd, 1, 10000);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) != 0) {
    perror("waitid");
    return 1;
  }
  printf("parent: pidfd readable %d, waitid status %d, pid matches %d\n",
         ready == 1 && (pfd.revents & POLLIN), si.si_status, si.si_pid == pid);
  return 0;
}
