# reverse-stepi undoes one instruction at a time: the pc and sp come back to
# the values saved on the way forward, a store is undone (counter, r), and
# stepping back over a `call`'s return lands on the callee's `ret` (with the
# callee's frame and arguments); stepi forward again replays the same
# instructions to the same registers.
# record-args: --ticks=none
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: ^\$1 = 0$
# expect: ^0x[0-9a-f]+\s+@fib_test@\s
# expect: ^\$2 = 1$
# expect: ^\$3 = 1$
# expect: ^@fib_test@\s
# expect: ^\$4 = 1$
# expect: ^\$5 = 1$
# expect: ^0x[0-9a-f]+\s+@fib_body@\s
# expect: ^\$6 = 1$
# expect: ^\$7 = 0$
# expect: ^0x[0-9a-f]+\s+@fib_body@\s
# expect: ^\$8 = 1$
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: ^\$9 = 1$
# expect: ^\$10 = 0$
# expect: ^\$11 = 1$
# expect: Breakpoint 2, main \(\) at .*fib\.c:@main_print@
# expect: ^\$12 = 5$
# expect: ^0x[0-9a-f]+\s+@main_call@\s
# expect: ^\$13 = 0$
# expect: ^0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:\d+
# expect: ^#1 +0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_call@
# expect: ^\$14 = 1$
# expect: ^0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_call@
# expect: ^\$15 = 1$
# expect: ^\$16 = 1$
# expect: ^fib\(5\) = 5 after 15 calls$
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: No more reverse-execution history
# reject: Remote failure reply
break fib
continue
set $pc0 = $pc
set $sp0 = $sp
p counter
stepi
set $pc1 = $pc
set $sp1 = $sp
stepi
set $pc2 = $pc
set $rax2 = $rax
stepi
set $pc3 = $pc
stepi
p counter
p $pc != $pc3
reverse-stepi
p $pc == $pc3
p counter
reverse-stepi
p $pc == $pc2 && $rax == $rax2 && $eax == 1
p counter
reverse-stepi
p $pc == $pc1 && $sp == $sp1 && $eax == 0
reverse-stepi
p $pc == $pc0 && $sp == $sp0
p counter
stepi
stepi
stepi
p $pc == $pc3 && counter == 1
delete
break @main_print@
continue
set $pcm = $pc
p r
reverse-stepi
p r
reverse-stepi
bt
p $sp == $sp0 + 0x28
stepi
p $pc == $pcm - 3
stepi
p $pc == $pcm && r == 5
delete
continue
