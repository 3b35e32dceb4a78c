# A trace recorded with the soft tick clock: ebb patched fib's entry (a jump
# to a trampoline that counts), but gdb reads the original instructions, and
# breakpoints, continue and the exit work as without it.
# tracee: fib
# record-args: --ticks=soft
# record-exit: 3
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: <fib>:\s+push\s+%rbp
# expect: <fib\+1>:\s+mov\s+%rsp,%rbp
# expect: 0x55\s+0x48\s+0x89\s+0xe5
# expect: Breakpoint 1, fib \(n=4\) at .*fib\.c:@fib_body@
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: <fib>:\s+jmp
# reject: 0xe9\s
break fib
continue
x/2i fib
x/4xb fib
continue
delete
continue
