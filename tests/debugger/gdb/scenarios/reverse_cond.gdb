# A conditional breakpoint (gdb evaluates `n == 2` at every stop and
# resumes the same direction when it is false) under reverse-continue:
# forward it stops at the 3 calls fib(2) (counter 3, 7, 11), backwards at
# the same calls in reverse order, and the hit count counts both ways.
# From main's end, reverse-continue must find the last fib(2), counter 11
# (stepping back over the false hits fib(1), fib(0), ...), then 7.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, fib \(n=2\) at .*fib\.c:@fib_body@
# expect: ^\$1 = 3$
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$2 = 7$
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$3 = 11$
# expect: stop only if n == 2\n\s+breakpoint already hit 3 times
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$4 = 7$
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$5 = 3$
# expect: breakpoint already hit 5 times
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$6 = 7$
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$7 = 11$
# expect: Breakpoint 2, main \(\) at .*fib\.c:@main_print@
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$8 = 11$
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$9 = 7$
# expect: stop only if n == 2\n\s+breakpoint already hit 9 times
# expect: ^fib\(5\) = 5 after 15 calls$
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: No more reverse-execution history
# reject: Breakpoint 1, fib \(n=[^2]
break fib if n == 2
continue
p counter
continue
p counter
continue
p counter
info breakpoints
reverse-continue
p counter
reverse-continue
p counter
info breakpoints
continue
p counter
continue
p counter
break @main_print@
continue
reverse-continue
p counter
reverse-continue
p counter
info breakpoints
delete
continue
