# step, next, stepi, x/i at the pc, finish with the returned value, advance
# to a line, and locals after the call.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, main \(\) at .*fib\.c:@main_call@
# expect: fib \(n=5\) at .*fib\.c:@fib_body@
# expect: ^@fib_test@\s
# expect: ^0x[0-9a-f]+\s+@fib_test@\s
# expect: => 0x[0-9a-f]+ <fib\+\d+>:
# expect: Value returned is \$1 = 5
# expect: main \(\) at .*fib\.c:@main_print@
# expect: \$2 = 5
# expect: \$3 = 15
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: Cannot access memory
break main
continue
step
next
stepi
x/i $pc
delete
finish
advance @main_print@
print r
print counter
continue
