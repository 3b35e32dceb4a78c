// Process groups and sessions: one child becomes a group leader (setpgid, by itself and by the
// parent), cannot setsid (EPERM), and receives SIGUSR1 sent to its group; another child calls
// setsid. Ids are printed relative to the process's own pid.
// ebb-test: expect-stdout: leader: pgid - pid = 0, same session as parent 1, setsid EPERM 1
// ebb-test: expect-stdout: leader: got SIGUSR1 from the parent via its group: 1
// ebb-test: expect-stdout: session: setsid - pid = 0, sid - pid = 0, pgid - pid = 0
// ebb-test: expect-stdout: parent: leader exited 0, session exited 0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int leader(int ready_fd, pid_t parent_sid) {
  setpgid(0, 0);
  int eperm = setsid() < 0 && errno == EPERM;
  printf("leader: pgid - pid = %d, same session as parent %d, setsid EPERM %d\n",
         (int)(getpgid(0) - getpid()), getsid(0) == parent_sid, eperm);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  if (write(ready_fd, "r", 1) != 1) return 1;
  siginfo_t si;
  int sig = sigwaitinfo(&usr1, &si);
  printf("leader: got SIGUSR1 from the parent via its group: %d\n",
         sig == SIGUSR1 && si.si_pid == getppid());
  return 0;
}

static int session(void) {
  pid_t sid = setsid();
  printf("session: setsid - pid = %d, sid - pid = %d, pgid - pid = %d\n", (int)(sid - getpid()),
         (int)(getsid(0) - getpid()), (int)(getpgid(0) - getpid()));
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("parent: pgid - pid = %d, sid - pid = %d\n", (int)(getpgid(0) - getpid()),
         (int)(getsid(0) - getpid()));
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t a = fork();
  if (a == 0) _exit(leader(fds[1], getsid(0)));
  setpgid(a, a);  // both sides set it, so it holds whoever runs first
  char c;
  if (read(fds[0], &c, 1) != 1) return 1;
  printf("parent: child's pgid - child's pid = %d\n", (int)(getpgid(a) - a));
  kill(-a, SIGUSR1);
  int status_a = 0, status_b = 0;
  waitpid(a, &status_a, 0);
  pid_t b = fork();
  if (b == 0) _exit(session());
  waitpid(b, &status_b, 0);
  printf("parent: leader exited %d, session exited %d\n", WEXITSTATUS(status_a),
         WEXITSTATUS(status_b));
  return 0;
}
