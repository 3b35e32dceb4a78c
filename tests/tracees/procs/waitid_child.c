// waitid(P_PID, WEXITED|WNOWAIT) peeks at the child's exit without reaping it, then
// waitid(P_PID, WEXITED) reaps it; both report CLD_EXITED with status 5 and the child's pid.
// ebb-test: expect-stdout: peek: code CLD_EXITED 1, status 5, pid matches 1
// ebb-test: expect-stdout: reap: code CLD_EXITED 1, status 5, pid matches 1
// ebb-test: expect-stdout: after: waitid fails with ECHILD 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char* what, const siginfo_t* si, pid_t pid) {
  printf("%s: code CLD_EXITED %d, status %d, pid matches %d\n", what, si->si_code == CLD_EXITED,
         si->si_status, si->si_pid == pid);
}

int main(void) {
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) _exit(5);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0) return 1;
  show("peek", &si, pid);
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)pid, &si, WEXITED) != 0) return 1;
  show("reap", &si, pid);
  int rc = waitid(P_PID, (id_t)pid, &si, WEXITED);
  printf("after: waitid fails with ECHILD %d\n", rc < 0 && errno == ECHILD);
  return 0;
}
