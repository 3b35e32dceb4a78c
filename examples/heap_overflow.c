// A heap buffer overrun by one element: init() zeroes five longs of a
// four-long array, which wipes the pointer stored after it, and the program
// crashes much later, far from the bug. docs/reverse.md finds the culprit
// by running backwards from the crash (docs/examples/last_write.py).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct table {
  long values[4];
  const char *label;
};

static void init(struct table *t) {
  for (int i = 0; i <= 4; i++) t->values[i] = 0; /* @overrun */
}

static long total(const struct table *t) {
  long sum = 0;
  for (int i = 0; i < 4; i++) sum += t->values[i];
  return sum;
}

int main(void) {
  struct table *t = malloc(sizeof *t);
  t->label = "totals";
  init(t);
  for (int i = 0; i < 4; i++) t->values[i] = (i + 1) * 10;
  printf("sum %ld\n", total(t));
  fflush(stdout);
  printf("%zu characters in the label\n", strlen(t->label)); /* @crash */
  return 0;
}
