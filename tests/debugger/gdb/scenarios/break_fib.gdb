# Breakpoints, a backtrace through recursion into main, locals and globals,
# threads, finish, and the recorded exit status. A raw read at the
# breakpoint's address, with the breakpoint inserted, shows the program's
# byte, not ebb's int3.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1 at 0x[0-9a-f]+: file .*fib\.c, line @fib_body@\.
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: received: "[0-9a-f]{2}"
# expect: Breakpoint 1, fib \(n=4\) at .*fib\.c:@fib_body@
# expect: #0  fib \(n=4\) at .*fib\.c:@fib_body@
# expect: #1  0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:@fib_recurse@
# expect: #2  0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_call@
# expect: \$1 = 4
# expect: \$2 = 1
# expect: \* 1 +Thread [0-9a-f]+\.[0-9a-f]+ .*fib \(n=4\) at .*fib\.c:@fib_body@
# expect: in fib \(n=5\) at .*fib\.c:@fib_recurse@
# expect: Value returned is \$3 = 3
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: received: "cc"
set breakpoint always-inserted on
break fib
continue
eval "maint packet m%lx,1", $pc
continue
bt
print n
print counter
info threads
delete
finish
continue
