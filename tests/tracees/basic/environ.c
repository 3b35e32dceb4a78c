// Prints every environment entry in order: replay must print the recorded environment.
// ebb-test: expect-exit: 0
// ebb-test: env: EBB_E2E_MARK=recorded value with spaces
// ebb-test: expect-stdout: EBB_E2E_MARK=recorded value with spaces
#include <stdio.h>

extern char** environ;

int main(void) {
  int n = 0;
  for (char** e = environ; *e; e++, n++) printf("%s\n", *e);
  printf("count=%d\n", n);
  return 0;
}
