// ebb-test: expect-stdout: 2 faults, each at the loop's own instruction; 1535 words
// A loop compares words with zero until it finds one; the pages it walks into are PROT_NONE,
// and its SIGSEGV handler makes each readable and returns, so the faulting instruction runs
// again. The soft tick clock displaces that instruction into a trampoline (it is the first of
// its loop's patched range); the handler must still see the loop's own pc (ebb moves the thread
// back before the signal is delivered), and returning must go on correctly.
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

extern const char loop_insn[];
static char* pages;
static int faults, faults_here;

static void on_segv(int sig, siginfo_t* info, void* context) {
  (void)sig;
  ucontext_t* uc = context;
  faults++;
  if (uc->uc_mcontext.gregs[REG_RIP] == (greg_t)(uintptr_t)loop_insn) faults_here++;
  char* page = (char*)((uintptr_t)info->si_addr & ~(uintptr_t)4095);
  mprotect(page, 4096, PROT_READ);
}

int main(void) {
  pages = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) return 1;
  uint64_t* words = (uint64_t*)pages;
  for (int i = 0; i < 4 * 512; i++) words[i] = (uint64_t)i + 1;
  words[3 * 512 - 1] = 0;  // the last word of the third page
  mprotect(pages + 4096, 3 * 4096, PROT_NONE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  uint64_t* p = words - 1;
  __asm__ volatile(
      "1: add $8, %0\n"
      ".globl loop_insn\n"
      "loop_insn: cmpq $0, (%0)\n"
      "   jne 1b\n"
      : "+r"(p)
      :
      : "cc", "memory");
  printf("%d faults, %s; %ld words\n", faults,
         faults_here == faults ? "each at the loop's own instruction" : "SOME ELSEWHERE", (long)(p - words));
  return 0;
}
