// time(2): replay must print the recorded value, not the current time.
// ebb-test: expect-exit: 0
#include <stdio.h>
#include <time.h>

int main(void) {
  time_t a = time(NULL);
  time_t b;
  time(&b);
  printf("time=%lld\n", (long long)a);
  printf("time_ptr=%lld\n", (long long)b);
  printf("nondecreasing=%d\n", b >= a);
  return 0;
}
