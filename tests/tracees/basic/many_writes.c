// 10000 small write(2) calls to stdout, one line each.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: line 9999 of 10000
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char buf[64];
  for (int i = 0; i < 10000; i++) {
    int n = snprintf(buf, sizeof buf, "line %d of 10000\n", i);
    if (write(1, buf, (size_t)n) != n) return 1;
  }
  return 0;
}
