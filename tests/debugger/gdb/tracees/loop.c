// A loop that calls a function: `until` at the loop's back edge runs the
// remaining iterations and stops after the loop, `until LINE` and `finish`
// stop where they should; a local watched in sum_to goes out of scope when
// it returns. Exits 2.
#include <stdio.h>

int total;

int square(int x) {
  return x * x; /* @square_body */
}

int sum_to(int n) {
  int sum = 0;
  for (int i = 1; i <= n; i++) {
    sum += i; /* @sum_add */
  }
  return sum; /* @sum_return */
}

int main(void) {
  for (int i = 0; i < 4; i++) { /* @loop_head */
    total += square(i); /* @loop_body */
  }
  int s = sum_to(3); /* @after_loop */
  printf("total %d sum %d\n", total, s); /* @main_print */
  return 2;
}
