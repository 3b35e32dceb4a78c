// A syscall ebb has no table row for (modify_ldt, reading the LDT: harmless natively). The
// recording must stop there, naming it; replay prints what came before and says it stopped.
// ebb-test: expect-stdout: before the unsupported syscall
// ebb-test: expect-record: stopped-early "syscall modify_ldt (154) is not supported yet"
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  printf("before the unsupported syscall\n");
  fflush(stdout);
  char ldt[16];
  long n = syscall(SYS_modify_ldt, 0, ldt, sizeof ldt);  // func 0: read the LDT
  printf("after the unsupported syscall: modify_ldt returned %ld\n", n);
  return 0;
}
