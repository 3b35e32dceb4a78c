// SIGKILL from outside the recording: the program writes its pid to the file named by argv[1]
// and then sleeps in 10 ms steps; the harness (kill-after) SIGKILLs it 0.3 s after the file
// appears. Replay must end the same way, by SIGKILL, after the same output.
// ebb-test: args: {tmpfile:pid}
// ebb-test: kill-after: 0.3 pid
// ebb-test: expect-signal: SIGKILL
// ebb-test: expect-stdout: root: pid file written, waiting to be killed
// ebb-test: before-replay: delete pid
// ebb-test: after-replay: absent pid
#include <stdio.h>
#include <time.h>
#include <unistd.h>

// Writes "PID\n" to path through a rename, so a reader never sees a partial file.
static int write_pid_file(const char* path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE* f = fopen(tmp, "w");
  if (!f) return -1;
  fprintf(f, "%d\n", (int)getpid());
  if (fclose(f) != 0) return -1;
  return rename(tmp, path);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 2 || write_pid_file(argv[1]) != 0) return 2;
  printf("root: pid file written, waiting to be killed\n");
  for (int i = 0; i < 1000; i++) {  // 10 s at most
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  printf("root: not killed within 10 s\n");
  return 1;
}
