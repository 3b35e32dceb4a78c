// Stores through a null pointer: gdb must stop at the faulting line with
// SIGSEGV, and the program then ends killed by it.
#include <stdio.h>

int *volatile target_ptr;

int main(void) {
  puts("about to crash");
  fflush(stdout);
  *target_ptr = 42; /* @fault */
  return 0;
}
