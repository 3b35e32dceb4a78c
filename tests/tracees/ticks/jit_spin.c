// ebb-test: expect-stdout: jit spin done
// ebb-test: expect-replay: refused "tick clock"
// ebb-test: timeout: 50
// Code written at run time, made executable with mprotect, and run for about a second while a
// SIGPROF timer interrupts it: a loop whose registers never change (it counts in memory), so
// only the tick clock can tell one pass from the next. The handler notes the counter at each
// interruption and the program prints a hash of them: replay must print the same. ebb patches
// such code once it is executable and no longer writable, like a file's. Without the clock
// replay refuses (signals had to be delivered in syscall-free code).
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "jit_counter.h"
#include "prof_timer.h"

int main(void) {
  void* mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 1;
  memcpy(mem, kSpinCode, sizeof kSpinCode);
  if (mprotect(mem, 4096, PROT_READ | PROT_EXEC) != 0) return 1;
  start_prof_timer(note_counter, 0, 5000);
  ((spin_fn)mem)(&counter, 3000000000ull);
  stop_prof_timer();
  printf("jit spin done: %s, hash %lx\n", nseen > 0 ? "interrupted" : "never interrupted",
         (unsigned long)notes_hash());
  return 0;
}
