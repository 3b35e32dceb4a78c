// mmap (MAP_SHARED, read-only) of a 3-page file given by argv[1]; prints a checksum and the
// first line. The file is rewritten in place (same inode) before replay.
// ebb-test: setup: repeat data.txt 512 "recorded content, 24 b.\n"
// ebb-test: args: {tmpfile:data.txt}
// ebb-test: before-replay: rewrite data.txt "rewritten in place\n"
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: first line: recorded content
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    perror("open");
    return 1;
  }
  size_t len = (size_t)st.st_size;
  unsigned char* p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  uint64_t sum = 0;
  for (size_t i = 0; i < len; i++) sum = sum * 31 + p[i];
  const unsigned char* nl = memchr(p, '\n', len);
  int first = nl ? (int)(nl - p) : (int)len;
  printf("size=%zu sum=%llu\n", len, (unsigned long long)sum);
  printf("first line: %.*s\n", first, (const char*)p);
  munmap(p, len);
  close(fd);
  return 0;
}
