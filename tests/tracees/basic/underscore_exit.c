// _exit(42) with unflushed stdio: only the direct write(2) reaches stdout.
// ebb-test: expect-exit: 42
// ebb-test: expect-stdout: written directly
#include <stdio.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IOFBF, 4096);
  printf("buffered, never flushed\n");
  const char msg[] = "written directly\n";
  if (write(1, msg, sizeof msg - 1) < 0) return 1;
  _exit(42);
}
