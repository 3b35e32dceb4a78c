// statx(2) of a file given by argv[1]: mask, size, mtime, btime, inode; replaced before replay.
// ebb-test: setup: write data.txt "statx sees 20 bytes\n"
// ebb-test: args: {tmpfile:data.txt}
// ebb-test: before-replay: replace data.txt "other"
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: size=20
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  struct statx sx;
  if (statx(AT_FDCWD, argv[1], 0, STATX_ALL, &sx) != 0) {
    perror("statx");
    return 1;
  }
  printf("size=%llu\n", (unsigned long long)sx.stx_size);
  printf("mask=%#x ino=%llu mode=%o\n", sx.stx_mask, (unsigned long long)sx.stx_ino, sx.stx_mode);
  printf("mtime=%lld.%09u btime=%lld.%09u\n", (long long)sx.stx_mtime.tv_sec,
         sx.stx_mtime.tv_nsec, (long long)sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec);
  return 0;
}
