// writev(2) to stdout and to a file (argv[1]), then readv(2) of the file into 3 buffers.
// ebb-test: args: {tmpfile:v.bin}
// ebb-test: before-replay: rewrite v.bin "garbage"
// ebb-test: after-replay: content v.bin "garbage"
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: readv=17 [abcd][efghij][klmnopq]
#include <fcntl.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  struct iovec out[3] = {{"gather", 6}, {"ed ", 3}, {"write\n", 6}};
  fflush(stdout);
  ssize_t n = writev(1, out, 3);
  printf("writev(stdout)=%zd\n", n);
  int fd = open(argv[1], O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (fd < 0) return 1;
  struct iovec fo[2] = {{"abcdefghij", 10}, {"klmnopq", 7}};
  printf("writev(file)=%zd\n", writev(fd, fo, 2));
  lseek(fd, 0, SEEK_SET);
  char a[4], b[6], c[16];
  struct iovec in[3] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
  n = readv(fd, in, 3);
  int nc = n > 10 ? (int)n - 10 : 0;
  printf("readv=%zd [%.4s][%.6s][%.*s]\n", n, a, b, nc, c);
  close(fd);
  return 0;
}
