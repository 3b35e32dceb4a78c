// ebb-test: expect-stdout: interrupted
// ebb-test: expect-replay: refused "tick clock"
// ebb-test: timeout: 50
// A SIGPROF timer (every 2 ms of CPU time) interrupts a compute loop with no
// syscall in it, hundreds of times; the handler notes the loop counter where
// each interruption landed and the program prints them all. The recording
// delivers each signal where it arrived; with the soft tick clock
// (e2e.soft.itimer_loop) replay puts every one at the same instruction, so it
// prints the same counters. Without it, replay refuses clearly: the loop
// runs for about a second, so the recorder, which holds a signal for the
// next syscall, has to deliver it in the loop after 250 ms.
#include <signal.h>
#include <stdio.h>

#include "prof_hits.h"
#include "prof_timer.h"

static volatile unsigned long i_now;

static void on_prof(int sig) {
  (void)sig;
  note_hit(i_now);
}

int main(void) {
  start_prof_timer(on_prof, SA_RESTART, 2000);
  unsigned long acc = 0;
  for (i_now = 0; i_now < 1000000000ul; i_now++) acc = acc * 31 + i_now;
  stop_prof_timer();
  printf("interrupted %d times, acc %lu, positions digest %lu\n", nhits, acc, hits_digest());
  for (int k = 0; k < nhits && k < 5; k++) printf("hit %d at i=%lu\n", k, hits[k]);
  return 0;
}
