// cpuid leaves 0, 1 and 7 (subleaf 0): leaf 1 EBX holds the APIC id, which varies by cpu.
// ebb-test: expect-exit: 0
#include <cpuid.h>
#include <stdio.h>

static void leaf(unsigned l, unsigned sub) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  __cpuid_count(l, sub, a, b, c, d);
  printf("leaf %#x.%u: eax=%08x ebx=%08x ecx=%08x edx=%08x\n", l, sub, a, b, c, d);
}

int main(void) {
  leaf(0, 0);
  leaf(1, 0);
  leaf(7, 0);
  return 0;
}
