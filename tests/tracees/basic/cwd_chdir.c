// getcwd, chdir into argv[1], getcwd, chdir(".."), getcwd. Replay runs from another directory
// and must print the recorded paths.
// ebb-test: setup: mkdir sub
// ebb-test: args: sub
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: chdir(sub)=0
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

static void show(const char* when) {
  char buf[PATH_MAX];
  printf("%s: %s\n", when, getcwd(buf, sizeof buf) ? buf : "(error)");
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  show("start");
  printf("chdir(%s)=%d\n", argv[1], chdir(argv[1]));
  show("after chdir");
  printf("chdir(..)=%d\n", chdir(".."));
  show("after chdir ..");
  printf("chdir(missing)=%d\n", chdir("definitely-missing"));
  return 0;
}
