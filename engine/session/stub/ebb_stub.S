/* ebb-stub: the program replay execs to get a fresh, almost empty address
 * space, which it then replaces with the recorded one. It only spins on a
 * syscall that always returns, so the tracer can stop it at a syscall exit
 * and inject syscalls there. No libc, no dynamic loader. */
    .globl _start
    .text
_start:
    mov $110, %eax      /* getppid */
    syscall
    jmp _start
    .section .note.GNU-stack,"",@progbits
