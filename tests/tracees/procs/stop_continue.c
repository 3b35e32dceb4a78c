// Job control: the parent stops its child with SIGSTOP, sees it stopped (WUNTRACED), continues
// it with SIGCONT, sees that (WCONTINUED), and then tells it through a pipe to exit 6.
// ebb-test: expect-stdout: parent: stopped by 19 (SIGSTOP 1)\nparent: continued 1
// ebb-test: expect-stdout: child: told to exit\nparent: exited 6
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int to_child[2], ready[2];
  if (pipe(to_child) != 0 || pipe(ready) != 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    if (write(ready[1], "r", 1) != 1) _exit(1);
    char c;
    while (read(to_child[0], &c, 1) < 0) {  // retry if the stop/continue interrupted it
    }
    printf("child: told to exit\n");
    _exit(6);
  }
  char c;
  if (read(ready[0], &c, 1) != 1) return 1;
  int status = 0;
  kill(pid, SIGSTOP);
  waitpid(pid, &status, WUNTRACED);
  printf("parent: stopped by %d (SIGSTOP %d)\n", WIFSTOPPED(status) ? WSTOPSIG(status) : 0,
         WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
  kill(pid, SIGCONT);
  waitpid(pid, &status, WCONTINUED);
  printf("parent: continued %d\n", WIFCONTINUED(status));
  if (write(to_child[1], "x", 1) != 1) return 1;
  waitpid(pid, &status, 0);
  printf("parent: exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
