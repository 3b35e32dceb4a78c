// What the JIT tracees share: the code they write at run time (a loop whose registers never
// change: it counts in memory), and notes of that counter taken at each SIGPROF.
#pragma once

#include <stdint.h>

// spin(&counter, limit): L: inc qword [rdi]; cmp [rdi], rsi; jne L; ret
static const uint8_t kSpinCode[] = {
    0x48, 0xff, 0x07,  // L: inc qword [rdi]
    0x48, 0x39, 0x37,  // cmp [rdi], rsi
    0x75, 0xf8,        // jne L
    0xc3,              // ret
};
typedef void (*spin_fn)(volatile uint64_t*, uint64_t);

#define MAX_NOTES 4096
static volatile uint64_t counter;
static uint64_t seen[MAX_NOTES];
static volatile int nseen;

// A SIGPROF handler: notes the counter.
static void note_counter(int sig) {
  (void)sig;
  if (nseen < MAX_NOTES) seen[nseen++] = counter;
}

// A hash of the notes, in order: replay must print the same.
static inline uint64_t notes_hash(void) {
  uint64_t h = 0;
  for (int i = 0; i < nseen; i++) h = h * 31 + seen[i];
  return h;
}
