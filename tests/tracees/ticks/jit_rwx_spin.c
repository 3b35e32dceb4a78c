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
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>

static volatile uint64_t counter;
static uint64_t seen[4096];
static volatile int nseen;

static void on_prof(int sig) {
  (void)sig;
  if (nseen < 4096) seen[nseen++] = counter;
}

int main(void) {
  static const uint8_t code[] = {
      0x48, 0xff, 0x07,  // L: inc qword [rdi]
      0x48, 0x39, 0x37,  // cmp [rdi], rsi
      0x75, 0xf8,        // jne L
      0xc3,              // ret
  };
  void* mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 1;
  memcpy(mem, code, sizeof code);
  void (*spin)(volatile uint64_t*, uint64_t) = (void (*)(volatile uint64_t*, uint64_t))mem;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_prof;
  sigaction(SIGPROF, &sa, NULL);
  struct itimerval tv = {{0, 5000}, {0, 5000}};
  setitimer(ITIMER_PROF, &tv, NULL);
  for (int round = 0; round < 2000000; round++) {
    counter = 0;
    spin(&counter, 400);
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);
  uint64_t h = 0;
  int inside = 0;
  for (int i = 0; i < nseen; i++) {
    h = h * 31 + seen[i];
    inside += seen[i] > 1 && seen[i] < 400;
  }
  printf("jit rwx spin done: %s, hash %lx\n", inside > 0 ? "interrupted inside the loop" : "never inside the loop",
         (unsigned long)h);
  return 0;
}
