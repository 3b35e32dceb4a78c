// sysinfo(2): uptime, load averages, memory and process count.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: rc=0
#include <stdio.h>
#include <sys/sysinfo.h>

int main(void) {
  struct sysinfo si;
  int rc = sysinfo(&si);
  printf("rc=%d\n", rc);
  printf("uptime=%ld loads=%lu/%lu/%lu\n", si.uptime, si.loads[0], si.loads[1], si.loads[2]);
  printf("totalram=%lu freeram=%lu bufferram=%lu unit=%u procs=%u\n", si.totalram, si.freeram,
         si.bufferram, si.mem_unit, (unsigned)si.procs);
  return 0;
}
