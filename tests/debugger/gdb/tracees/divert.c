// Diversions: gdb changes variables and calls functions of a replayed
// program; the replay goes on as recorded afterwards.
#include <stdio.h>
#include <string.h>

int counter = 10;
char message[32] = "hello, diversion";

int add(int a, int b) { return a + b + counter; }

int main(void) {
  int local = 5;
  counter += local;
  printf("%d %s\n", counter, message); /* @print */
  fflush(stdout);
  return counter == 15 ? 3 : 4; /* @ret */
}
