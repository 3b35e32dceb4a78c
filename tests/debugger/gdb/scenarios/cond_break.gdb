# Conditions and ignore counts are gdb's to evaluate (ebb does not offer
# ConditionalBreakpoints; its Z0 carries no condition): `break fib if n == 2`
# stops only in the calls with n == 2 (counter tells which call: 3 calls
# before the first, 7 before the second, 11 before the third), `ignore 1 1`
# skips the second, `info breakpoints` counts all three hits. `finish` with
# frame 1 (fib(3)) selected returns into fib(5) with fib(3)'s value, past
# returns to the same address in deeper frames.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1 at 0x[0-9a-f]+: file .*fib\.c, line @fib_body@\.
# expect: Breakpoint 1, fib \(n=2\) at .*fib\.c:@fib_body@
# expect: ^\$1 = 3$
# expect: ^#1  0x[0-9a-f]+ in fib \(n=3\) .*\n#2  0x[0-9a-f]+ in fib \(n=4\) .*\n#3  0x[0-9a-f]+ in fib \(n=5\) .*\n#4  0x[0-9a-f]+ in main \(\)
# expect: Breakpoint 1, fib \(n=2\) at .*fib\.c:@fib_body@
# expect: ^\$2 = 11$
# expect: ^#1  0x[0-9a-f]+ in fib \(n=3\) .*\n#2  0x[0-9a-f]+ in fib \(n=5\) .*\n#3  0x[0-9a-f]+ in main \(\)
# expect: ^\s+stop only if n == 2\n\s+breakpoint already hit 3 times
# expect: ^#1  0x[0-9a-f]+ in fib \(n=3\) at .*fib\.c:@fib_recurse@
# expect: ^fib \(n=5\) at .*fib\.c:@fib_recurse@
# expect: ^Value returned is \$3 = 2$
# expect: ^\$4 = 15$
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: Breakpoint 1, fib \(n=[^2]
# packet: ^w \$Z0,[0-9a-f]+,1#
break fib if n == 2
continue
print counter
bt
ignore 1 1
continue
print counter
bt
info breakpoints
disable 1
frame 1
finish
print counter
continue
