// Globals of several types and locals in two frames, for print, info locals,
// frame selection and x. Prints its pid first (`info inferiors` must show
// the same). Exits 0.
#include <stdio.h>
#include <unistd.h>

struct point {
  int x;
  int y;
  const char *name;
};

struct point origin = {3, 4, "origin"};
int primes[5] = {2, 3, 5, 7, 11};
unsigned char pattern[8] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};

int inner(int a, int b) {
  int product = a * b;
  long shifted = (long)product << 4;
  return (int)(shifted + primes[a]); /* @inner_return */
}

int main(void) {
  int count = 3;
  double ratio = 0.5;
  char word[] = "ebb";
  struct point p = {7, -2, "local"};
  printf("pid %d\n", (int)getpid());
  fflush(stdout);
  int r = inner(count, p.x); /* @main_call */
  printf("%d %s %f %d\n", r, word, ratio, p.y);
  return 0;
}
