// Syscall-heavy benchmark: N pairs of 64-byte write+read through a pipe to itself
// (default N = 200000, i.e. 400k syscalls). Usage: syscall_heavy [pairs]
//
// Output is formatted by hand and written with write(2) so no libc string routine runs in
// the measured program (gdb's `record full` stops at instructions it cannot record, such as
// the AVX-512 forms glibc picks for memcpy/strlen on this CPU).
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
  long pairs = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
  int fds[2];
  if (pipe(fds) != 0) return 1;

  unsigned char buf[64];
  for (int i = 0; i < 64; i++) buf[i] = (unsigned char)i;
  uint64_t sum = 0;
  for (long i = 0; i < pairs; i++) {
    buf[i & 63] ^= (unsigned char)i;
    if (write(fds[1], buf, sizeof buf) != (ssize_t)sizeof buf) return 1;
    if (read(fds[0], buf, sizeof buf) != (ssize_t)sizeof buf) return 1;
    sum = sum * 31 + buf[(i * 7) & 63];
  }
  put_line("syscall_heavy checksum ", sum);
  return 0;
}
