// read(2) of /dev/urandom: 32 bytes printed in hex.
// ebb-test: expect-exit: 0
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0) {
    perror("open /dev/urandom");
    return 1;
  }
  unsigned char buf[32];
  ssize_t n = read(fd, buf, sizeof buf);
  printf("n=%zd\n", n);
  for (ssize_t i = 0; i < n; i++) printf("%02x", buf[i]);
  printf("\n");
  close(fd);
  return 0;
}
