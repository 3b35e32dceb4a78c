// Prints argc and each argv entry (spaces, an empty string, UTF-8, a leading dash).
// ebb-test: args: one "two words" "" "caf\xc3\xa9" -x --flag=1
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: argc=7
#include <stdio.h>

int main(int argc, char** argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=<%s>\n", i, argv[i]);
  return 0;
}
