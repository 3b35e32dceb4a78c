// ebb-test: expect-stdout: jit rwx spin done
// ebb-test: expect-replay: refused "tick clock"
// ebb-test: timeout: 80
// Code written at run time into memory that stays writable and executable (RWX), so the soft
// tick clock does not patch it: a loop whose registers never change (it counts in memory),
// called again and again while a SIGPROF timer interrupts it. The count tells the calls apart
// (the C loop around them ticks) but not the passes inside one call, which only memory does:
// the recording keeps digests of the memory at each such point and replay delivers each
// signal at the pass whose memory matches. The handler notes the counter and the program
// prints a hash of the notes: replay must print the same (a replay that took the first pass
// with the right registers would note 1s).
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "jit_counter.h"
#include "prof_timer.h"

int main(void) {
  void* mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 1;
  memcpy(mem, kSpinCode, sizeof kSpinCode);
  spin_fn spin = (spin_fn)mem;
  start_prof_timer(note_counter, 0, 5000);
  // At least 3 signals handled: without the clock the recorder holds each one for 250 ms of
  // syscall-free code before it delivers it there (which replay refuses), whatever the load.
  for (int round = 0; round < 2000000 || nseen < 3; round++) {
    counter = 0;
    spin(&counter, 400);
  }
  stop_prof_timer();
  int inside = 0;
  for (int i = 0; i < nseen; i++) inside += seen[i] > 1 && seen[i] < 400;
  printf("jit rwx spin done: %s, hash %lx\n", inside > 0 ? "interrupted inside the loop" : "never inside the loop",
         (unsigned long)notes_hash());
  return 0;
}
