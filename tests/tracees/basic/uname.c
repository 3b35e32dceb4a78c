// uname(2): every field.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: sysname=Linux
#include <stdio.h>
#include <sys/utsname.h>

int main(void) {
  struct utsname u;
  if (uname(&u) != 0) return 1;
  printf("sysname=%s\nnodename=%s\nrelease=%s\nversion=%s\nmachine=%s\n", u.sysname, u.nodename,
         u.release, u.version, u.machine);
  return 0;
}
