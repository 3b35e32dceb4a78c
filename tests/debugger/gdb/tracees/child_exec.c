// The parent forks a child that re-executes this program with "child": with
// -p, the debugger follows the child from its exec. The child exits 4, the
// parent 5.
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int child_calls;

int child_work(int n) {
  child_calls += n; /* @child_work */
  return 4;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) return child_work(2);
  pid_t pid = fork(); /* @fork */
  if (pid == 0) {
    execl(argv[0], argv[0], "child", (char *)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child exited with %d\n", WEXITSTATUS(status)); /* @after_wait */
  return WEXITSTATUS(status) + 1;
}
