// Prints a line, then abort(): dies by SIGABRT.
// ebb-test: expect-signal: SIGABRT
// ebb-test: expect-stdout: calling abort
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("calling abort\n");
  abort();
}
