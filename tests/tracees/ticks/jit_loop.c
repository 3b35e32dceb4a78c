// ebb-test: expect-stdout: jit sum 4950
// Code written at run time into memory that stays writable and executable
// (RWX) and called. The soft tick clock patches no such code (the program may
// write it at any time), so the loop does not count, but it records and
// replays exactly. (Code made read-only before it runs is patched: jit_spin.)
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  // sum = 0; for (i = 0; i < n; i++) sum += i;  (rdi = n, result in rax)
  static const uint8_t code[] = {
      0x31, 0xc0,                    // xor eax, eax
      0x31, 0xc9,                    // xor ecx, ecx
      0x48, 0x39, 0xf9,              // L: cmp rcx, rdi
      0x7d, 0x08,                    // jge done
      0x48, 0x01, 0xc8,              // add rax, rcx
      0x48, 0xff, 0xc1,              // inc rcx
      0xeb, 0xf3,                    // jmp L
      0xc3,                          // done: ret
  };
  void* mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 1;
  memcpy(mem, code, sizeof code);
  long (*fn)(long) = (long (*)(long))mem;
  printf("jit sum %ld\n", fn(100));
  return 0;
}
