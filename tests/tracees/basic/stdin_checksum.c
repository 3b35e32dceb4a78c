// Reads stdin to EOF (300000 bytes piped in); prints the byte count and a checksum.
// ebb-test: setup: random input.bin 300000 11
// ebb-test: stdin-file: input.bin
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: bytes=300000
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  unsigned char buf[65536];
  uint64_t h = 1469598103934665603ULL;
  long long total = 0;
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) h = (h ^ buf[i]) * 1099511628211ULL;
    total += n;
  }
  printf("bytes=%lld fnv1a=%016llx last_rc=%zd\n", total, (unsigned long long)h, n);
  return 0;
}
