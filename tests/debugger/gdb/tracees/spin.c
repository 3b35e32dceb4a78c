// Says "spinning", then computes for a few seconds without a syscall, so a
// debugger can interrupt it mid-run (Ctrl-C); exits 4.
#include <stdio.h>

volatile unsigned long sink;

static void spin(unsigned long rounds) {
  for (unsigned long i = 0; i < rounds; ++i) sink += i * 2654435761u; /* @spin_loop */
}

int main(void) {
  puts("spinning");
  fflush(stdout);
  spin(3000000000ul);
  printf("done %lu\n", sink);
  return 4;
}
