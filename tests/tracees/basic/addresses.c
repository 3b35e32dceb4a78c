// Prints addresses (stack, heap, mmap, code, libc, vDSO): with ASLR they differ natively
// from run to run; replay must reproduce the recorded address space layout.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: main=0x
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>

int main(void) {
  int local = 0;
  void* small = malloc(32);
  void* big = malloc(1 << 22);
  void* anon = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("stack=%p\n", (void*)&local);
  printf("heap_small=%p\n", small);
  printf("heap_big=%p\n", big);
  printf("mmap=%p\n", anon);
  printf("main=%p\n", (void*)main);
  printf("libc_printf=%p\n", (void*)printf);
  printf("vdso=%#lx\n", getauxval(AT_SYSINFO_EHDR));
  free(big);
  free(small);
  return 0;
}
