// A SIGPROF interval timer for the tick clock's tracees: signals that arrive in the middle of
// syscall-free code, at points only the clock can place again in replay.
#pragma once

#include <signal.h>
#include <string.h>
#include <sys/time.h>

// Calls `handler` (with sigaction `flags`) every `every_us` microseconds of the process's CPU.
static inline void start_prof_timer(void (*handler)(int), int flags, long every_us) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigaction(SIGPROF, &sa, NULL);
  struct itimerval every = {{0, every_us}, {0, every_us}};
  setitimer(ITIMER_PROF, &every, NULL);
}

static inline void stop_prof_timer(void) {
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);
}
