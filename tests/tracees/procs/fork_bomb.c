// A fork tree of depth 3: every process above depth 3 forks 2 children and waits for both; each
// process exits with the number of processes in its subtree and prints its depth and the sum of
// its children's statuses. 15 processes in all; siblings' lines may come in either order.
// ebb-test: expect-stdout: depth 0: children's statuses sum to 14, 15 processes
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kDepth = 3, kFanout = 2 };

static int run(int depth) {
  if (depth == kDepth) {
    printf("depth %d: leaf\n", depth);
    return 1;
  }
  pid_t kids[kFanout];
  for (int i = 0; i < kFanout; i++) {
    kids[i] = fork();
    if (kids[i] < 0) _exit(100);
    if (kids[i] == 0) _exit(run(depth + 1));
  }
  int sum = 0;
  for (int i = 0; i < kFanout; i++) {
    int status = 0;
    if (waitpid(kids[i], &status, 0) != kids[i] || !WIFEXITED(status)) return 100;
    sum += WEXITSTATUS(status);
  }
  printf("depth %d: children's statuses sum to %d, %d processes\n", depth, sum, sum + 1);
  return sum + 1;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  return run(0) == 15 ? 0 : 1;
}
