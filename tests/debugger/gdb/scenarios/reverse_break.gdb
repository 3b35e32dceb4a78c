# reverse-continue stops at the last breakpoint hit before now (hit counts
# as gdb keeps them), and with nothing left to hit at the start of the
# history, where gdb says there is no more reverse-execution history.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, main \(\) at .*fib\.c:@main_call@
# expect: Breakpoint 2, fib \(n=5\)
# expect: Breakpoint 2, fib \(n=4\)
# expect: Breakpoint 2, fib \(n=3\)
# expect: Breakpoint 2, fib \(n=4\)
# expect: Breakpoint 2, fib \(n=5\)
# expect: breakpoint already hit 5 times
# expect: No more reverse-execution history\.
# expect: _start
# expect: Breakpoint 2, fib \(n=5\)
# expect: Breakpoint 2, fib \(n=4\)
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
break main
continue
break fib
continue
continue
continue
reverse-continue
reverse-continue
info breakpoints
delete 1
reverse-continue
continue
continue
delete
continue
