# gdb disconnects and connects again to the same ebb: the replay is where it
# was left, gdb's breakpoints are inserted again, and it runs on to the end.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: #0  fib \(n=5\) at .*fib\.c:@fib_body@
# expect: Breakpoint 1, fib \(n=4\) at .*fib\.c:@fib_body@
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
break fib
continue
python address = gdb.selected_inferior().connection.details
disconnect
python gdb.execute("target extended-remote " + address)
bt 1
continue
delete
continue
