// Built -O2 (the _o2 suffix): optimized code for reverse stepping. scale()
// and accumulate() stay real functions (noipa: not inlined, cloned or
// specialized); the loop keeps its index and partial sum in registers.
// Prints "sum 58" and exits 5.
#include <stdio.h>

volatile int bias = 7;
int results[4];

__attribute__((noipa)) int scale(int x) {
  int y = x * 3; /* @scale_body */
  return y + bias; /* @scale_return */
} /* @scale_end */

__attribute__((noipa)) int accumulate(const int *v, int n) {
  int s = 0;
  for (int i = 0; i < n; i++) { /* @acc_loop */
    results[i] = scale(v[i]); /* @acc_call */
    s += results[i]; /* @acc_add */
  }
  return s; /* @acc_return */
} /* @acc_end */

int main(void) {
  static const int v[4] = {1, 2, 3, 4};
  int s = accumulate(v, 4); /* @main_call */
  printf("sum %d\n", s); /* @main_print */
  return s == 58 ? 5 : 1;
}
