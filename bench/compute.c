// Compute-bound benchmark: fills a buffer of K KiB (default 65536, i.e. 64 MiB) from a
// xorshift generator, hashes it with FNV-1a, and runs a tight integer loop of one step per
// byte. Almost no syscalls: this measures what ebb costs code that never enters the kernel.
// Usage: compute [kib]
//
// Output is formatted by hand and written with write(2) (see syscall_heavy.c for why).
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static void put_line(const char* label, uint64_t value) {
  char out[64];
  size_t n = 0;
  for (const char* p = label; *p != '\0'; p++) out[n++] = *p;
  for (int shift = 60; shift >= 0; shift -= 4) out[n++] = "0123456789abcdef"[(value >> shift) & 0xf];
  out[n++] = '\n';
  if (write(STDOUT_FILENO, out, n) != (ssize_t)n) _exit(2);
}

int main(int argc, char** argv) {
  long kib = argc > 1 ? strtol(argv[1], NULL, 10) : 65536;
  size_t size = (size_t)kib * 1024;
  uint64_t* words = malloc(size + 8);
  if (words == NULL) return 1;

  uint64_t state = 0x9e3779b97f4a7c15u;
  for (size_t i = 0; i < size / 8; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    words[i] = state;
  }

  const unsigned char* bytes = (const unsigned char*)words;
  uint64_t hash = 0xcbf29ce484222325u;
  for (size_t i = 0; i < size; i++) {
    hash ^= bytes[i];
    hash *= 0x100000001b3u;
  }

  uint64_t x = hash, acc = 0;
  for (size_t i = 0; i < size; i++) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    acc += (x >> 33) ^ i;
  }

  put_line("compute hash ", hash);
  put_line("compute acc  ", acc);
  free(words);
  return 0;
}
