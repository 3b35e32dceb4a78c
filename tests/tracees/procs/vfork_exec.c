// vfork() + execl("/bin/true"): the parent is suspended until the child execs, then reaps it.
// ebb-test: expect-stdout: parent: resumed after the child's exec; child exited 1, status 0
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("parent: vfork\n");
  pid_t pid = vfork();
  if (pid < 0) return 1;
  if (pid == 0) {
    execl("/bin/true", "true", (char*)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("parent: resumed after the child's exec; child exited %d, status %d\n",
         WIFEXITED(status), WEXITSTATUS(status));
  return 0;
}
