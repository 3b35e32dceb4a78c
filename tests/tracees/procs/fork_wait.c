// fork(); the child exits 42; the parent's waitpid reports the child's pid and exit status.
// ebb-test: expect-stdout: child: running\nparent: waited for the child: 1, exited 1, status 42
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    printf("child: running\n");
    _exit(42);
  }
  int status = 0;
  pid_t got = waitpid(pid, &status, 0);
  printf("parent: waited for the child: %d, exited %d, status %d\n", got == pid,
         WIFEXITED(status), WEXITSTATUS(status));
  return 0;
}
