// mmap (MAP_PRIVATE) of a 192 KiB file given by argv[1]: all of it read-only, and its second
// half writable at an offset. Mappings this big name the trace's copy of the file (files/)
// instead of carrying the bytes (trace format v5). The file is rewritten in place (same inode)
// before replay, so replay must take the bytes from the copy. Prints checksums, whether the
// rest of the last page past the file's end reads as zeros, and the first line.
// ebb-test: setup: repeat data.txt 8192 "recorded content, 24 b.\n"
// ebb-test: setup: append data.txt "tail"
// ebb-test: args: {tmpfile:data.txt}
// ebb-test: before-replay: rewrite data.txt "rewritten in place\n"
// ebb-test: expect-stdout: first line: recorded content
// ebb-test: expect-stdout: zeros past the end: yes
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t checksum(const unsigned char* p, size_t n) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum = sum * 31 + p[i];
  return sum;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    perror("open");
    return 1;
  }
  size_t size = (size_t)st.st_size, page = 4096;
  size_t mapped = (size + page - 1) / page * page;
  const unsigned char* all = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  size_t half = 24 * page;
  unsigned char* second = mmap(NULL, size - half, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, (off_t)half);
  if (all == MAP_FAILED || second == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  close(fd);
  printf("size %zu, checksum %llu\n", size, (unsigned long long)checksum(all, size));
  int zeros = 1;
  for (size_t i = size; i < mapped; ++i) zeros &= all[i] == 0;
  printf("zeros past the end: %s\n", zeros ? "yes" : "no");
  for (size_t i = 0; i < size - half; i += 97) second[i] ^= 0x5a;  // private: the file stays
  printf("second half, changed: %llu; first mapping unchanged: %d\n",
         (unsigned long long)checksum(second, size - half), memcmp(all + half, second, 1) != 0);
  const unsigned char* nl = memchr(all, '\n', size);
  printf("first line: %.*s\n", (int)(nl ? nl - all : 0), (const char*)all);
  return 0;
}
