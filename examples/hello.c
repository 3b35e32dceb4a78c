// The demo program that scripts/demo.sh records and replays. Everything it prints differs from
// run to run (the time, its pid, random bytes) or depends on the world (a file's contents), so
// an identical replay shows that ebb recorded all of it.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "/etc/hostname";

  struct timespec now;
  if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
    perror("clock_gettime");
    return 1;
  }
  struct tm utc;
  char when[64];
  gmtime_r(&now.tv_sec, &utc);
  strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &utc);
  printf("time:   %s.%09ld UTC\n", when, now.tv_nsec);
  printf("pid:    %d\n", (int)getpid());

  unsigned char bytes[8];
  if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
    perror("getrandom");
    return 1;
  }
  printf("random:");
  for (size_t i = 0; i < sizeof bytes; i++) printf(" %02x", bytes[i]);
  printf("\n");

  FILE* file = fopen(path, "r");
  if (file == NULL) {
    printf("file:   %s: %s\n", path, strerror(errno));
    return 0;
  }
  char line[256];
  if (fgets(line, sizeof line, file) == NULL) line[0] = '\0';
  line[strcspn(line, "\n")] = '\0';
  printf("file:   %s: \"%s\"\n", path, line);
  fclose(file);
  return 0;
}
