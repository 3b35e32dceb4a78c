// ebb-test: expect-stdout: jit spin done
// ebb-test: expect-replay: refused "tick clock"
// ebb-test: timeout: 50
// Code written at run time, made executable with mprotect, and run for about a second while a
// SIGPROF timer interrupts it: a loop whose registers never change (it counts in memory), so
// only the tick clock can tell one pass from the next. The handler notes the counter at each
// interruption and the program prints a hash of them: replay must print the same. ebb patches
// such code once it is executable and no longer writable, like a file's. Without the clock
// replay refuses (signals had to be delivered in syscall-free code).
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
  void* mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 1;
  memcpy(mem, code, sizeof code);
  if (mprotect(mem, 4096, PROT_READ | PROT_EXEC) != 0) return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_prof;
  sigaction(SIGPROF, &sa, NULL);
  struct itimerval tv = {{0, 5000}, {0, 5000}};
  setitimer(ITIMER_PROF, &tv, NULL);
  ((void (*)(volatile uint64_t*, uint64_t))mem)(&counter, 3000000000ull);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);
  uint64_t h = 0;
  for (int i = 0; i < nseen; i++) h = h * 31 + seen[i];
  printf("jit spin done: %s, hash %lx\n", nseen > 0 ? "interrupted" : "never interrupted", (unsigned long)h);
  return 0;
}
