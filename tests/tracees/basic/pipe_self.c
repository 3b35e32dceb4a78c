// A pipe to itself: three writes, then reads until the pipe is drained (non-blocking).
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: total=18
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  int p[2];
  if (pipe2(p, O_NONBLOCK) != 0) {
    perror("pipe2");
    return 1;
  }
  printf("w=%zd\n", write(p[1], "first.", 6));
  printf("w=%zd\n", write(p[1], "second", 6));
  printf("w=%zd\n", write(p[1], ".third", 6));
  char buf[8];
  int total = 0;
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) {
    printf("r=%zd <%.*s>\n", n, (int)n, buf);
    total += (int)n;
  }
  printf("total=%d last=%zd\n", total, n);
  close(p[0]);
  close(p[1]);
  return 0;
}
