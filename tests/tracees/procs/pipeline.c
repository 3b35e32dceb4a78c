// The pipeline `echo hello | tr a-z A-Z` built by hand: pipe, fork twice, dup2, execlp.
// ebb-test: expect-stdout: HELLO\nparent: echo exited 0, tr exited 0
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t echo = fork();
  if (echo == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execlp("echo", "echo", "hello", (char*)NULL);
    _exit(127);
  }
  pid_t tr = fork();
  if (tr == 0) {
    dup2(fds[0], 0);
    close(fds[0]);
    close(fds[1]);
    execlp("tr", "tr", "a-z", "A-Z", (char*)NULL);
    _exit(127);
  }
  close(fds[0]);
  close(fds[1]);
  int echo_status = 0, tr_status = 0;
  waitpid(echo, &echo_status, 0);
  waitpid(tr, &tr_status, 0);
  printf("parent: echo exited %d, tr exited %d\n", WEXITSTATUS(echo_status),
         WEXITSTATUS(tr_status));
  return 0;
}
