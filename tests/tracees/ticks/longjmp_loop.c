// ebb-test: expect-stdout: passes
// ebb-test: expect-replay: refused "tick clock"
// ebb-test: timeout: 50
// A loop the code does not name: every pass is a longjmp back to one setjmp, 200 million of them or more,
// with no branch back and no syscall for about a second, while a SIGPROF timer interrupts it hundreds of times; the
// handler notes the pass it landed in. Site selection sees no loop here, but every pass calls
// longjmp, and that call ticks (at longjmp's PLT stub, and at the counted entries of the libc
// functions behind it), so replay with the soft tick clock puts every signal in the same pass
// and prints the same passes. Without the clock replay refuses (signals in syscall-free code).
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

#include "prof_hits.h"
#include "prof_timer.h"

#define PASSES 200000000ul  // ~1 s: longer than the 250 ms the recorder holds a signal for a syscall
static jmp_buf again;
static volatile unsigned long pass_now;

static void on_prof(int sig) {
  (void)sig;
  note_hit(pass_now);
}

int main(void) {
  start_prof_timer(on_prof, SA_RESTART, 2000);
  setjmp(again);  // glibc's setjmp saves no signal mask: no syscall per pass
  // At least 3 signals handled in the loop (see pointer_calls.c).
  if (++pass_now < PASSES || nhits < 3) longjmp(again, 1);
  stop_prof_timer();
  printf("%lu passes, interrupted %d times, positions digest %lu\n", pass_now, nhits, hits_digest());
  for (int k = 0; k < nhits && k < 5; k++) printf("hit %d in pass %lu\n", k, hits[k]);
  return 0;
}
