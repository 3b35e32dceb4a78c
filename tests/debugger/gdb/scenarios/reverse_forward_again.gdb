# Going back does not change the future: after two reverse-continues, continue
# hits the same breakpoints in the same order with the same values (n and
# counter, as on the first pass); from main's end back to the start of the
# history and forward again, main's end comes back with the same results,
# and the program prints and exits as recorded.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, fib \(n=5\)
# expect: Breakpoint 1, fib \(n=4\)
# expect: Breakpoint 1, fib \(n=3\)
# expect: Breakpoint 1, fib \(n=2\)
# expect: Breakpoint 1, fib \(n=1\)
# expect: ^\$1 = 4$
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$2 = 3$
# expect: Breakpoint 1, fib \(n=3\)
# expect: ^\$3 = 2$
# expect: Breakpoint 1, fib \(n=2\)
# expect: ^\$4 = 3$
# expect: Breakpoint 1, fib \(n=1\)
# expect: ^\$5 = 4$
# expect: Breakpoint 1, fib \(n=0\)
# expect: ^\$6 = 5$
# expect: Breakpoint 2, main \(\) at .*fib\.c:@main_print@
# expect: ^\$7 = 15$
# expect: ^\$8 = 5$
# expect: No more reverse-execution history\.
# expect: _start
# expect: ^\$9 = 0$
# expect: Breakpoint 2, main \(\) at .*fib\.c:@main_print@
# expect: ^\$10 = 15$
# expect: ^\$11 = 5$
# expect: ^fib\(5\) = 5 after 15 calls$
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: fib\(5\) = 5 after 15 calls\n(.*\n)*fib\(5\) = 5 after 15 calls
break fib
continue
continue
continue
continue
continue
p counter
reverse-continue
p counter
reverse-continue
p counter
continue
p counter
continue
p counter
continue
p counter
delete
break @main_print@
continue
p counter
p r
reverse-continue
p counter
continue
p counter
p r
delete
continue
