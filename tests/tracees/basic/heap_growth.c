// brk growth (sbrk and many small mallocs), a big malloc (mmap), and mprotect of a page;
// prints sums and size deltas, not addresses.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: mprotect ro=0 rw=0
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
  char* b0 = sbrk(0);
  if (sbrk(1 << 20) == (void*)-1) return 1;
  char* b1 = sbrk(0);
  memset(b0, 7, 1 << 20);
  printf("sbrk grew by %ld\n", (long)(b1 - b0));

  uint64_t sum = 0;
  unsigned char* small[1000];
  for (int i = 0; i < 1000; i++) {
    small[i] = malloc(100);
    memset(small[i], i & 0xff, 100);
  }
  for (int i = 0; i < 1000; i++) {
    for (int j = 0; j < 100; j++) sum += small[i][j];
    free(small[i]);
  }
  printf("small sum=%llu\n", (unsigned long long)sum);

  size_t big_len = 64u << 20;
  unsigned char* big = malloc(big_len);
  if (!big) return 1;
  for (size_t i = 0; i < big_len; i += 4096) big[i] = (unsigned char)(i >> 12);
  sum = 0;
  for (size_t i = 0; i < big_len; i += 4096) sum += big[i];
  printf("big sum=%llu\n", (unsigned long long)sum);
  free(big);

  long page = sysconf(_SC_PAGESIZE);
  unsigned char* p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                          -1, 0);
  if (p == MAP_FAILED) return 1;
  memset(p, 3, (size_t)page);
  int ro = mprotect(p, (size_t)page, PROT_READ);
  sum = 0;
  for (long i = 0; i < page; i++) sum += p[i];
  int rw = mprotect(p, (size_t)page, PROT_READ | PROT_WRITE);
  p[0] = 9;
  printf("mprotect ro=%d rw=%d page sum=%llu first=%d\n", ro, rw, (unsigned long long)sum, p[0]);
  munmap(p, (size_t)page);
  return 0;
}
