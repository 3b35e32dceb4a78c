// The 16 AT_RANDOM bytes the kernel puts in the auxiliary vector (glibc seeds the stack
// canary and pointer guard from them), plus AT_HWCAP and AT_PAGESZ.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: pagesz=4096
#include <stdio.h>
#include <sys/auxv.h>

int main(void) {
  const unsigned char* r = (const unsigned char*)getauxval(AT_RANDOM);
  printf("at_random=");
  for (int i = 0; r && i < 16; i++) printf("%02x", r[i]);
  printf("\n");
  printf("hwcap=%#lx hwcap2=%#lx\n", getauxval(AT_HWCAP), getauxval(AT_HWCAP2));
  printf("pagesz=%lu\n", getauxval(AT_PAGESZ));
  return 0;
}
