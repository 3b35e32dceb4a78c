# reverse-continue must find the last hit before now even when an earlier
# moment of the same thread had exactly the same registers: in fib(5)'s
# recursion, fib(0) under fib(5) > fib(3) > fib(2) (counter 13 at its
# breakpoint) runs with the same registers, stack depth included, as fib(0)
# under fib(5) > fib(4) > fib(2) (counter 9); only memory (counter) tells
# them apart. From the hit with counter 13, reverse-continue must stop at
# the one with counter 12 (its sibling fib(1)), then 11 (their fib(2)).
# record-args: --ticks=none
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, fib \(n=0\) at .*fib\.c:@fib_body@
# expect: ^\$1 = 13$
# expect: Breakpoint 1, fib \(n=1\) at .*fib\.c:@fib_body@
# expect: ^\$2 = 12$
# expect: Breakpoint 1, fib \(n=2\) at .*fib\.c:@fib_body@
# expect: ^\$3 = 11$
# expect: ^fib\(5\) = 5 after 15 calls$
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
break fib
continue
continue 13
p counter
reverse-continue
p counter
reverse-continue
p counter
delete
continue
