// Forks 1000 children without waiting between forks; each child exits at once with its index mod
// 100, so the children's deaths (and, under a tracer, their SIGCHLDs) keep arriving while the
// parent is inside fork. The kernel restarts a fork that a pending signal interrupts; replay
// must do the same without losing the recorded child. Then the parent reaps them all.
// ebb-test: expect-stdout: parent: forked 1000 children, reaped 1000, statuses sum to 49500
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kChildren = 1000 };

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int forked = 0;
  for (int i = 0; i < kChildren; i++) {
    pid_t pid = fork();
    if (pid < 0) break;
    if (pid == 0) _exit(i % 100);
    forked++;
  }
  int reaped = 0, sum = 0, status = 0;
  while (wait(&status) > 0) {
    reaped++;
    if (WIFEXITED(status)) sum += WEXITSTATUS(status);
  }
  printf("parent: forked %d children, reaped %d, statuses sum to %d\n", forked, reaped, sum);
  return forked == kChildren && reaped == kChildren ? 0 : 1;
}
