// The parent SIGKILLs a child that blocks every signal it can and ignores SIGTERM; wait
// reports the death by SIGKILL.
// ebb-test: expect-stdout: parent: child killed by signal 9 (SIGKILL 1)
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGTERM, SIG_IGN);
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    printf("child: all signals blocked\n");
    if (write(fds[1], "r", 1) != 1) _exit(1);
    for (int i = 0; i < 1000; i++) {  // 10 s at most
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
    printf("child: not killed\n");
    _exit(1);
  }
  char c;
  if (read(fds[0], &c, 1) != 1) return 1;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: child killed by signal %d (SIGKILL %d)\n",
         WIFSIGNALED(status) ? WTERMSIG(status) : 0,
         WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  return 0;
}
