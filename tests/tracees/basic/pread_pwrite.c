// pwrite(2)/pread(2) at explicit offsets of a file (argv[1]); the file offset stays at 0.
// ebb-test: args: {tmpfile:p.bin}
// ebb-test: before-replay: delete p.bin
// ebb-test: after-replay: absent p.bin
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: pread(4,6)=6 <EFGHIJ>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (fd < 0) return 1;
  printf("pwrite(0)=%zd\n", pwrite(fd, "ABCDEFGHIJ", 10, 0));
  printf("pwrite(20)=%zd\n", pwrite(fd, "tail", 4, 20));
  char buf[32];
  ssize_t n = pread(fd, buf, 6, 4);
  printf("pread(4,6)=%zd <%.*s>\n", n, n > 0 ? (int)n : 0, buf);
  n = pread(fd, buf, sizeof buf, 8);
  printf("pread(8,32)=%zd hole_byte=%d tail=<%.4s>\n", n, buf[4], buf + 12);
  printf("offset=%lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  close(fd);
  return 0;
}
