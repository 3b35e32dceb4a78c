// A write(2) made by a syscall instruction in the program itself, at the
// global label raw_syscall_insn, so a debugger can stop exactly on it and
// single-step across it. Exits 5.
#include <string.h>

static long raw_write(int fd, const char *buf, unsigned long n) {
  long ret;
  __asm__ volatile(".globl raw_syscall_insn\nraw_syscall_insn: syscall" /* @syscall_line */
                   : "=a"(ret)
                   : "0"(1L), "D"((long)fd), "S"(buf), "d"(n)
                   : "rcx", "r11", "memory");
  return ret;
}

int main(void) {
  const char *text = "hello\n";
  long written = raw_write(1, text, strlen(text)); /* @main_call */
  return written == 6 ? 5 : 1; /* @main_return */
}
