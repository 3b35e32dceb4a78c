// A heap object whose array is filled one slot too far (`<=`): the extra
// store lands on the function pointer stored right after the array, and the
// later call through it jumps to address 4000 and dies of SIGSEGV there,
// with the pc on no mapping at all. From the crash, reverse-stepi goes back
// to the call, and a watchpoint on the pointer with reverse-continue finds
// the bad store.
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 4

struct table;
typedef void (*report_fn)(struct table *t);

struct table {
  long slots[SLOTS];
  report_fn report;
};

static struct table *tbl;

static void print_table(struct table *t) {
  long sum = 0;
  for (int i = 0; i < SLOTS; i++) sum += t->slots[i];
  printf("sum %ld\n", sum);
}

int main(void) {
  tbl = malloc(sizeof *tbl);
  tbl->report = print_table; /* @set_report */
  puts("filling");
  fflush(stdout);
  for (int i = 0; i <= SLOTS; i++) /* @fill_loop */
    tbl->slots[i] = i * 1000; /* @off_by_one */
  tbl->report(tbl); /* @call_report */
  free(tbl);
  return 0;
}
