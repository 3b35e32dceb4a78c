// Checkpoints: a loop whose state moves on at every call; restarting a
// checkpoint brings back the state it saved.
#include <stdio.h>

int total = 0;

int step(int i) {
  total += i; /* @step */
  return total;
}

int main(void) {
  for (int i = 1; i <= 5; i++) {
    step(i);
    printf("total %d\n", total);
    fflush(stdout);
  }
  return total == 15 ? 0 : 1;
}
