// poll(2) with timeout 0 on an empty pipe, then after a write, then after close of the writer.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: empty: rc=0
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

static void check(const char* when, int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  int rc = poll(&p, 1, 0);
  printf("%s: rc=%d revents=%#x\n", when, rc, p.revents);
}

int main(void) {
  int p[2];
  if (pipe(p) != 0) return 1;
  check("empty", p[0]);
  if (write(p[1], "x", 1) != 1) return 1;
  check("after write", p[0]);
  close(p[1]);
  check("after close", p[0]);
  return 0;
}
