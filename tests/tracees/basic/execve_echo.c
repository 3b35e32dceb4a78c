// Prints a line, then execve("/bin/echo") in the same (single-threaded) process.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: echo says: after exec
#include <stdio.h>
#include <unistd.h>

extern char** environ;

int main(void) {
  printf("before exec\n");
  fflush(stdout);
  char* args[] = {"echo", "echo says:", "after", "exec", NULL};
  execve("/bin/echo", args, environ);
  perror("execve");
  return 1;
}
