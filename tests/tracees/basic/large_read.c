// Reads an 8 MiB file given by argv[1] in 1 MiB chunks; prints each read's size and an
// FNV-1a checksum. The file is deleted before replay.
// ebb-test: setup: random big.bin 8388608 7
// ebb-test: args: {tmpfile:big.bin}
// ebb-test: before-replay: delete big.bin
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: total=8388608
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  enum { kChunk = 1 << 20 };
  unsigned char* buf = malloc(kChunk);
  uint64_t h = 1469598103934665603ULL;
  long long total = 0;
  ssize_t n;
  int i = 0;
  while ((n = read(fd, buf, kChunk)) > 0) {
    for (ssize_t j = 0; j < n; j++) h = (h ^ buf[j]) * 1099511628211ULL;
    total += n;
    printf("read[%d]=%zd\n", i++, n);
  }
  printf("total=%lld fnv1a=%016llx\n", total, (unsigned long long)h);
  free(buf);
  close(fd);
  return 0;
}
