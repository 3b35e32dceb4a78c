// A SIGCHLD handler reaps children with waitpid(WNOHANG) and counts them. SIGCHLD stays blocked
// except inside sigsuspend, so no child is missed. How many times the handler ran (signals
// coalesce) depends on the timing; replay must print the recorded count.
// ebb-test: expect-stdout: reaped 5 children, exit statuses sum to 15
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kChildren = 5 };

static volatile sig_atomic_t reaped, status_sum, handler_runs;

static void on_chld(int sig) {
  (void)sig;
  handler_runs++;
  int status;
  while (waitpid(-1, &status, WNOHANG) > 0) {
    reaped++;
    status_sum += WEXITSTATUS(status);
  }
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_chld;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, NULL);
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  for (int i = 1; i <= kChildren; i++) {
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) _exit(i);
  }
  while (reaped < kChildren) sigsuspend(&old);
  printf("reaped %d children, exit statuses sum to %d\n", (int)reaped, (int)status_sum);
  printf("handler ran %d time(s)\n", (int)handler_runs);
  return 0;
}
