// Prints a line (flushed), then writes through a null pointer: dies by SIGSEGV.
// ebb-test: expect-signal: SIGSEGV
// ebb-test: expect-stdout: about to fault
#include <stdio.h>

int main(void) {
  printf("about to fault\n");
  fflush(stdout);
  fprintf(stderr, "stderr before fault\n");
  volatile int* p = (volatile int*)0;
  *p = 42;
  printf("not reached\n");
  return 0;
}
