// lseek(2) SEEK_SET/CUR/END, a write past the end (a hole), SEEK_DATA and SEEK_HOLE.
// ebb-test: args: {tmpfile:s.bin}
// ebb-test: before-replay: delete s.bin
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: end=100
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (fd < 0) return 1;
  if (write(fd, "0123456789", 10) != 10) return 1;
  printf("cur=%lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  printf("set=%lld\n", (long long)lseek(fd, 3, SEEK_SET));
  char c;
  printf("read=%zd\n", read(fd, &c, 1));
  printf("byte=%c\n", c);
  printf("cur+2=%lld\n", (long long)lseek(fd, 2, SEEK_CUR));
  lseek(fd, 96, SEEK_SET);
  if (write(fd, "tail", 4) != 4) return 1;
  printf("end=%lld\n", (long long)lseek(fd, 0, SEEK_END));
  printf("data=%lld\n", (long long)lseek(fd, 0, SEEK_DATA));
  printf("hole=%lld\n", (long long)lseek(fd, 0, SEEK_HOLE));
  printf("bad=%lld\n", (long long)lseek(fd, -1, SEEK_SET));
  close(fd);
  return 0;
}
