// Interleaved unbuffered output to stdout and stderr, with partial lines.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: out 4
// ebb-test: expect-stderr: err 4
#include <stdio.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  for (int i = 0; i < 5; i++) {
    printf("out %d", i);
    fprintf(stderr, "err %d\n", i);
    printf(" (end)\n");
  }
  fprintf(stderr, "no newline at the end");
  return 0;
}
