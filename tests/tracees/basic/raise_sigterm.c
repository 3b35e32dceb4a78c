// raise(SIGTERM) with the default action: dies by SIGTERM.
// ebb-test: expect-signal: SIGTERM
// ebb-test: expect-stdout: raising SIGTERM
#include <signal.h>
#include <stdio.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("raising SIGTERM\n");
  raise(SIGTERM);
  printf("not reached\n");
  return 0;
}
