// ebb-test: expect-stdout: sum 500000500000 intact yes sum 500000500000 again 500000500000
// A program that maps its own executable's code a second time (file-backed, PROT_EXEC: the soft
// tick clock patches it), runs a loop there, makes that code writable and reads it (it must see
// the file's bytes: ebb takes its patches out), makes it executable again and runs it (ebb
// patches it again), then unmaps it and maps it again at the same address (patched once more).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern char __executable_start[];

__attribute__((noinline)) uint64_t sum_to(uint64_t n) {
  uint64_t s = 0;
  for (uint64_t i = 1; i <= n; i++) s += i;
  __asm__ volatile("" : "+r"(s));
  return s;
}

static void* map_code(int fd, size_t len, void* at) {
  return mmap(at, len, PROT_READ | PROT_EXEC, MAP_PRIVATE | (at ? MAP_FIXED : 0), fd, 0);
}

int main(void) {
  int fd = open("/proc/self/exe", O_RDONLY);
  if (fd < 0) return 1;
  // The function's file offset: this PIE's first segments map the file from offset 0.
  size_t offset = (size_t)((char*)sum_to - __executable_start);
  size_t len = (offset + 4096 + 4095) & ~(size_t)4095;
  char* map = map_code(fd, len, NULL);
  if (map == MAP_FAILED) return 2;
  uint64_t (*copy)(uint64_t) = (uint64_t (*)(uint64_t))(map + offset);
  printf("sum %lu", copy(1000000));
  if (mprotect(map, len, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return 3;
  unsigned char file_bytes[64];
  if (pread(fd, file_bytes, sizeof file_bytes, (off_t)offset) != (ssize_t)sizeof file_bytes) return 4;
  printf(" intact %s", memcmp(file_bytes, map + offset, sizeof file_bytes) == 0 ? "yes" : "no");
  if (mprotect(map, len, PROT_READ | PROT_EXEC) != 0) return 5;
  printf(" sum %lu", copy(1000000));
  if (munmap(map, len) != 0 || map_code(fd, len, map) != map) return 6;
  printf(" again %lu\n", copy(1000000));
  return 0;
}
