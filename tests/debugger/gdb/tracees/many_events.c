// Three hundred system calls (getppid), each followed by a call to visit_one():
// a replay with many event boundaries, for checkpoint thinning. Exits 0.
#include <stdio.h>
#include <unistd.h>

int last;

void visit_one(int i) {
  last = i; /* @step */
}

int main(void) {
  for (int i = 0; i < 300; i++) {
    if (getppid() > 0) visit_one(i);
  }
  printf("last %d\n", last); /* @done */
  return 0;
}
