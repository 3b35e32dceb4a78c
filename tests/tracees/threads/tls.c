// Thread-local storage: each thread sees the initial value 7 of a __thread variable, sets its
// own value, yields, and still reads its own value back; the addresses differ per thread.
// ebb-test: expect-stdout: thread 3: initial 7, final 103, own address 1
// ebb-test: expect-stdout: main: initial 7 kept, addresses distinct 1
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

enum { kThreads = 4 };

static __thread int tls_value = 7;
static __thread char tls_name[16] = "main";
static int initial[kThreads], final[kThreads];
static uintptr_t address[kThreads];

static void* run(void* arg) {
  int i = (int)(long)arg;
  initial[i] = tls_value;
  tls_value = 100 + i;
  snprintf(tls_name, sizeof tls_name, "thread %d", i);
  for (int k = 0; k < 5; k++) sched_yield();
  final[i] = tls_value;
  address[i] = (uintptr_t)&tls_value;
  return NULL;
}

int main(void) {
  pthread_t threads[kThreads];
  for (long i = 0; i < kThreads; i++)
    if (pthread_create(&threads[i], NULL, run, (void*)i) != 0) return 1;
  for (int i = 0; i < kThreads; i++) pthread_join(threads[i], NULL);
  int distinct = 1;
  for (int i = 0; i < kThreads; i++) {
    printf("thread %d: initial %d, final %d, own address %d\n", i, initial[i], final[i],
           address[i] != (uintptr_t)&tls_value);
    for (int j = 0; j < i; j++) distinct &= address[i] != address[j];
  }
  printf("main: initial %d kept, addresses distinct %d, name %s\n", tls_value, distinct, tls_name);
  return 0;
}
