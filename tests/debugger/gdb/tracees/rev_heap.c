// A heap object whose array is filled one slot too far (`<=`): the extra
// store lands on the pointer stored right after the array, and the later
// store through it (to address 4000) dies of SIGSEGV. From the crash, a
// watchpoint on the pointer and reverse-continue find the bad store.
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 4

struct table {
  long slots[SLOTS];
  long *total;
};

static struct table *tbl;
static long grand_total;

int main(void) {
  tbl = malloc(sizeof *tbl);
  tbl->total = &grand_total; /* @set_total */
  puts("filling");
  fflush(stdout);
  for (int i = 0; i <= SLOTS; i++) /* @fill_loop */
    tbl->slots[i] = i * 1000; /* @off_by_one */
  long sum = 0;
  for (int i = 0; i < SLOTS; i++) sum += tbl->slots[i];
  *tbl->total += sum; /* @crash */
  printf("total %ld\n", grand_total);
  return 0;
}
