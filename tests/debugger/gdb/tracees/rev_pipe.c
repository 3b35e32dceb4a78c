// A buffer filled by a store loop, then by read(2) from a pipe the program
// wrote to itself, then read back and modified: the three kinds of access a
// watchpoint going backwards must find (a store, a syscall's write, a
// load). Exits 4.
#include <stdio.h>
#include <unistd.h>

static char buf[16];
static int seen;

int main(void) {
  int fds[2];
  for (int i = 0; i < 8; i++) buf[i] = '.'; /* @fill */
  if (pipe(fds) != 0) return 1;
  if (write(fds[1], "hello", 5) != 5) return 2;
  ssize_t n = read(fds[0], buf, sizeof buf); /* @read */
  seen = buf[0]; /* @read_back */
  buf[0] = 'H'; /* @capitalize */
  printf("%zd %s %c\n", n, buf, seen); /* @print */
  return 4;
}
