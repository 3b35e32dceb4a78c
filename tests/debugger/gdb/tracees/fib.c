// A recursive function and a global counter: breakpoints, backtraces through
// recursion, locals and globals, finish, and the exit status (3) under gdb.
// Lines marked @name are found by the scenarios (run_gdb_session.py).
#include <stdio.h>

int counter;

int fib(int n) {
  counter++; /* @fib_body */
  if (n < 2) return n; /* @fib_test */
  return fib(n - 1) + fib(n - 2); /* @fib_recurse */
}

int main(void) {
  int r = fib(5); /* @main_call */
  printf("fib(5) = %d after %d calls\n", r, counter); /* @main_print */
  return 3;
}
