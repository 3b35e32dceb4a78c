// getrandom(2): 64 random bytes printed in hex.
// ebb-test: expect-exit: 0
#include <stdio.h>
#include <sys/random.h>

int main(void) {
  unsigned char buf[64];
  ssize_t n = getrandom(buf, sizeof buf, 0);
  printf("n=%zd\n", n);
  for (ssize_t i = 0; i < n; i++) printf("%02x", buf[i]);
  printf("\n");
  return 0;
}
