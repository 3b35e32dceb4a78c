// ebb-test: expect-stdout: registers intact
// ebb-test: expect-replay: refused "tick clock"
// ebb-test: timeout: 50
// A SIGPROF timer interrupts a loop that keeps a live value in rcx, hundreds of times; the
// handler runs loops of its own. With the soft tick clock the signal often lands inside a tick
// sequence (which parks rcx in the thread's counter block): the thread must leave it before the
// handler runs, or the handler's own ticks overwrite the parked rcx. The loop's result shows
// whether rcx survived. Without the clock replay refuses (a signal in syscall-free code).
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "prof_timer.h"

static volatile unsigned long handled;
static volatile unsigned long sink;

static void on_prof(int sig) {
  (void)sig;
  for (int i = 0; i < 100; i++) sink += (unsigned long)i;  // ticks inside the handler
  handled++;
}

int main(void) {
  start_prof_timer(on_prof, SA_RESTART, 1000);
  uint64_t n = 2000000000, acc = 0, c = 0;
  // rcx counts up, rax accumulates it: acc = n(n+1)/2 when rcx survives every interruption.
  __asm__ volatile(
      "1: add $1, %%rcx\n"
      "   add %%rcx, %%rax\n"
      "   dec %%rdx\n"
      "   jne 1b\n"
      : "+a"(acc), "+c"(c), "+d"(n)
      :
      : "cc");
  stop_prof_timer();
  uint64_t want = 2000000000ull * 2000000001ull / 2;
  printf("%s (%s)\n", acc == want && c == 2000000000ull ? "registers intact" : "REGISTERS CORRUPTED",
         handled > 0 ? "interrupted" : "never interrupted");
  return 0;
}
