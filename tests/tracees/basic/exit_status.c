// exit(3) after buffered output: stdio is flushed at exit.
// ebb-test: expect-exit: 3
// ebb-test: expect-stdout: exiting with 3
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  printf("exiting with 3\n");
  exit(3);
}
