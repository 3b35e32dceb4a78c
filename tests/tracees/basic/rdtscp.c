// rdtscp: values and the TSC_AUX word (the cpu number), 3 reads.
// ebb-test: expect-exit: 0
#include <stdint.h>
#include <stdio.h>

static inline uint64_t rdtscp(uint32_t* aux) {
  uint32_t lo, hi, c;
  __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
  *aux = c;
  return ((uint64_t)hi << 32) | lo;
}

int main(void) {
  for (int i = 0; i < 3; i++) {
    uint32_t aux;
    uint64_t t = rdtscp(&aux);
    printf("tscp[%d]=%llu aux=%u\n", i, (unsigned long long)t, aux);
  }
  return 0;
}
