// Reverse-execution benchmark: start(), then N rounds of a syscall-free
// integer hash, then finish(). Debugged from finish(), `reverse-continue`
// with a breakpoint on start() must go back across the whole loop, and
// `reverse-stepi` must find the instruction before finish()'s first.
// Usage: rev_loop ROUNDS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) void start(void) { __asm__ volatile(""); }

__attribute__((noinline)) void finish(uint64_t h) { printf("%016llx\n", (unsigned long long)h); }

int main(int argc, char** argv) {
  long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 100000000;
  start();
  uint64_t h = 1469598103934665603u;
  for (long i = 0; i < rounds; i++) {
    h ^= (uint64_t)i;
    h *= 1099511628211u;
  }
  finish(h);
  return 0;
}
