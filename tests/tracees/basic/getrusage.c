// getrusage(2) and times(2) after a little work: cpu times and fault counts vary per run.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: rusage rc=0
#include <stdio.h>
#include <sys/resource.h>
#include <sys/times.h>

int main(void) {
  volatile unsigned long x = 0;
  for (unsigned long i = 0; i < 3000000; i++) x += i;
  struct rusage ru;
  int rc = getrusage(RUSAGE_SELF, &ru);
  printf("rusage rc=%d\n", rc);
  printf("utime=%ld.%06ld stime=%ld.%06ld\n", (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
         (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
  printf("maxrss=%ld minflt=%ld majflt=%ld nvcsw=%ld nivcsw=%ld\n", ru.ru_maxrss, ru.ru_minflt,
         ru.ru_majflt, ru.ru_nvcsw, ru.ru_nivcsw);
  struct tms t;
  clock_t c = times(&t);
  printf("times=%ld utime=%ld stime=%ld\n", (long)c, (long)t.tms_utime, (long)t.tms_stime);
  return 0;
}
