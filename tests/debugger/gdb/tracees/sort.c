// qsort(3) calls back into the program: a breakpoint in the comparison
// function has libc frames between it and main. Exits 0.
#include <stdio.h>
#include <stdlib.h>

static int comparisons;

static int compare(const void *a, const void *b) {
  comparisons++; /* @compare_body */
  return *(const int *)a - *(const int *)b;
}

int main(void) {
  int values[] = {5, 3, 9, 1};
  qsort(values, 4, sizeof values[0], compare); /* @main_qsort */
  printf("%d %d %d %d after %d comparisons\n", values[0], values[1], values[2], values[3],
         comparisons);
  return 0;
}
