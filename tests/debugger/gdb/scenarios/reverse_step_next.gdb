# reverse-next steps back over a whole call (fib(5) from main: counter is
# 0 again), reverse-step from the line after a call enters the callee at
# its last line ("}"), reverse-step at a function's first line goes back
# to the caller, and reverse-next inside the recursion steps back over
# the recursive calls to the start of the line in the same frame. The
# expected lines and frames are those gdb's own `record full` shows for the
# same commands.
# record-args: --ticks=none
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, main \(\) at .*fib\.c:@main_print@
# expect: ^@main_call@\s
# expect: ^\$1 = 0$
# expect: main \(\) at .*fib\.c:@main_print@
# expect: ^\$2 = 15$
# expect: ^fib \(n=5\) at .*fib\.c:12\n12\s+\}
# expect: ^#0  fib \(n=5\) at .*fib\.c:12\n#1  0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_call@
# expect: ^@fib_recurse@\s
# expect: ^\$3 = 15$
# expect: ^fib \(n=3\) at .*fib\.c:12\n12\s+\}
# expect: ^#0  fib \(n=3\) at .*fib\.c:12\n#1  0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:@fib_recurse@\n#2  0x[0-9a-f]+ in main \(\)
# expect: ^@fib_recurse@\s
# expect: ^fib \(n=1\) at .*fib\.c:12\n12\s+\}
# expect: ^@fib_test@\s
# expect: ^@fib_body@\s
# expect: ^@fib_recurse@\s
# expect: ^#0  fib \(n=3\) at .*fib\.c:@fib_recurse@\n#1  0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:@fib_recurse@\n#2  0x[0-9a-f]+ in main \(\)
# expect: ^\$4 = 14$
# expect: ^@fib_recurse@\s
# expect: ^\$5 = 11$
# expect: ^@fib_test@\s
# expect: ^@fib_body@\s
# expect: ^#0  fib \(n=3\) at .*fib\.c:@fib_body@\n#1  0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:@fib_recurse@\n#2  0x[0-9a-f]+ in main \(\)
# expect: ^\$6 = 10$
# expect: ^@fib_recurse@\s
# expect: ^#0  fib \(n=5\) at .*fib\.c:@fib_recurse@\n#1  0x[0-9a-f]+ in main \(\)
# expect: ^\$7 = 10$
# expect: ^fib\(5\) = 5 after 15 calls$
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: \?\? \(\)
# reject: No more reverse-execution history
break @main_print@
continue
reverse-next
p counter
next
p counter
reverse-step
bt
reverse-next
p counter
reverse-step
bt
reverse-step
reverse-step
reverse-step
reverse-step
reverse-next
bt
p counter
reverse-next
p counter
reverse-next
reverse-next
bt
p counter
reverse-next
bt
p counter
delete
continue
