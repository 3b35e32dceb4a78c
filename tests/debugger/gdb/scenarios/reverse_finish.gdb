# reverse-finish runs back to the call of the current function and stops
# at the call instruction in the caller (mid-line: "0x... in"). From the
# first fib(0) (5 frames deep) it goes back up the recursion one frame at
# a time; the lines, frames and counters are those gdb's own `record full`
# shows (gdb's reverse-finish stops at the latest entry of fib, so in the
# middle of fib(2) it first goes to the call of fib(1), a sibling). From
# main's call of fib(5), forward again: stepi enters fib(5), finish
# returns its value, 5, and all 15 calls are counted again.
# record-args: --ticks=none
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, fib \(n=0\) at .*fib\.c:@fib_body@
# expect: ^\$1 = 5$
# expect: ^#4  0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:@fib_recurse@\n#5  0x[0-9a-f]+ in main \(\)
# expect: ^0x[0-9a-f]+ in fib \(n=2\) at .*fib\.c:@fib_recurse@
# expect: ^\$2 = 5$
# expect: ^\$3 = 2$
# expect: ^\$4 = 1$
# expect: ^#0  0x[0-9a-f]+ in fib \(n=2\) at .*fib\.c:@fib_recurse@\n#1  0x[0-9a-f]+ in fib \(n=3\) at .*fib\.c:@fib_recurse@\n#2  0x[0-9a-f]+ in fib \(n=4\)
# expect: ^0x[0-9a-f]+ in fib \(n=2\) at .*fib\.c:@fib_recurse@
# expect: ^\$5 = 4$
# expect: ^\$6 = 1$
# expect: ^0x[0-9a-f]+ in fib \(n=3\) at .*fib\.c:@fib_recurse@
# expect: ^#0  0x[0-9a-f]+ in fib \(n=3\) at .*fib\.c:@fib_recurse@\n#1  0x[0-9a-f]+ in fib \(n=4\) at .*fib\.c:@fib_recurse@\n#2  0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:@fib_recurse@\n#3  0x[0-9a-f]+ in main \(\)
# expect: ^\$7 = 3$
# expect: ^0x[0-9a-f]+ in fib \(n=4\) at .*fib\.c:@fib_recurse@
# expect: ^0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:@fib_recurse@
# expect: ^#0  0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:@fib_recurse@\n#1  0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_call@
# expect: ^\$8 = 1$
# expect: ^0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_call@
# expect: ^\$9 = 0$
# expect: ^\$10 = 1$
# expect: ^\$11 = 1$
# expect: ^0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_call@
# expect: ^Value returned is \$12 = 5$
# expect: ^\$13 = 15$
# expect: ^fib\(5\) = 5 after 15 calls$
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: No more reverse-execution history
break fib if n == 0
continue
set $ret0 = *(long *)($rbp + 8)
p counter
bt
reverse-finish
p counter
p n
p (long)$pc == $ret0 - 5
bt
reverse-finish
p counter
p (long)$pc < $ret0 - 5
reverse-finish
bt
p n
reverse-finish
reverse-finish
bt
p counter
reverse-finish
p counter
p $pc == (char *)main + 13
delete
stepi
p $pc == fib
finish
p counter
continue
