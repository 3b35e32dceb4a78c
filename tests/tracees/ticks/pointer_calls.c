// ebb-test: expect-stdout: interrupted
// ebb-test: expect-replay: refused "tick clock"
// ebb-test: timeout: 50
// A function reached only through a pointer has no tick of its own (no direct call names it),
// and here it is called twice in a row with the same registers: a signal that lands in the
// second call stands where the first call stood, at the same tick, with the same registers,
// only the memory differs (the return address on the stack, the count of calls). A SIGPROF
// timer interrupts the loop hundreds of times and the handler notes the count; replay must put
// every signal in the same call (the digest of the memory near the registers tells the two
// apart) and print the same counts. Without the clock replay refuses.
#include <signal.h>
#include <stdio.h>

#include "prof_hits.h"
#include "prof_timer.h"

static volatile unsigned long calls;

static void on_prof(int sig) {
  (void)sig;
  note_hit(calls);
}

// No loop and no call: most of the time goes by in its run of nops, the same registers in
// either call of a pass.
__attribute__((noinline)) static void sled(void) {
  __asm__ volatile(".rept 400\n nop\n .endr");
  calls = calls + 1;
}

static void (*volatile call_it)(void) = sled;

int main(void) {
  start_prof_timer(on_prof, SA_RESTART, 2000);
  // At least 3 signals handled in the loop: without the clock the recorder delivers one there
  // only after holding it 250 ms for a syscall, which a loaded machine can make the loop outlast.
  for (unsigned long pass = 0; pass < 8000000ul || nhits < 3; pass++) {
    call_it();
    call_it();
  }
  stop_prof_timer();
  unsigned long odd = 0;
  for (int k = 0; k < nhits; k++) odd += hits[k] & 1;
  printf("interrupted %d times (%lu in a pass's second call), %lu calls, positions digest %lu\n", nhits, odd,
         calls, hits_digest());
  return 0;
}
