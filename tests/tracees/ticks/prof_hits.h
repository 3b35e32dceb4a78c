// Where a SIGPROF timer's signals landed in a loop: the handler notes a value of the loop (its
// counter) with note_hit, and the program prints hits_digest() and some of the notes. Replay
// prints the same only if it delivered every signal at the same point as the recording.
#pragma once

#define MAX_HITS 4096
static unsigned long hits[MAX_HITS];
static volatile int nhits;

static inline void note_hit(unsigned long value) {
  if (nhits < MAX_HITS) hits[nhits++] = value;
}

static inline unsigned long hits_digest(void) {
  unsigned long sum = 0;
  for (int k = 0; k < nhits; k++) sum = sum * 131 + hits[k];
  return sum;
}
