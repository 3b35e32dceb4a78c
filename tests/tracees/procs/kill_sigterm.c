// The parent sends SIGTERM to a child blocked in pause(); wait reports the death by SIGTERM.
// ebb-test: expect-stdout: parent: child killed by signal 15 (SIGTERM 1), exited 0
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    printf("child: ready\n");
    if (write(fds[1], "r", 1) != 1) _exit(1);
    for (;;) pause();
  }
  char c;
  if (read(fds[0], &c, 1) != 1) return 1;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: child killed by signal %d (SIGTERM %d), exited %d\n",
         WIFSIGNALED(status) ? WTERMSIG(status) : 0,
         WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, WIFEXITED(status));
  return 0;
}
