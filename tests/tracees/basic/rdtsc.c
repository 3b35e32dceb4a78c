// rdtsc: raw values and deltas of 5 reads.
// ebb-test: expect-exit: 0
#include <stdint.h>
#include <stdio.h>

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

int main(void) {
  uint64_t v[5];
  for (int i = 0; i < 5; i++) v[i] = rdtsc();
  for (int i = 0; i < 5; i++) printf("tsc[%d]=%llu\n", i, (unsigned long long)v[i]);
  for (int i = 1; i < 5; i++) printf("delta[%d]=%llu\n", i, (unsigned long long)(v[i] - v[i - 1]));
  return 0;
}
