// isatty(0/1/2) and TIOCGWINSZ on each: recorded with a pty (37x101) on stdin, replayed
// without one.
// ebb-test: tty: stdin 37 101
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: fd0 isatty=1 winsz rc=0 rows=37 cols=101
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void) {
  for (int fd = 0; fd < 3; fd++) {
    int tty = isatty(fd);
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    int rc = ioctl(fd, TIOCGWINSZ, &ws);
    int err = rc < 0 ? errno : 0;
    printf("fd%d isatty=%d winsz rc=%d rows=%d cols=%d errno=%d\n", fd, tty, rc, ws.ws_row,
           ws.ws_col, err);
  }
  return 0;
}
