# The program's file is deleted between record and replay: gdb (given no
# `file`) reads the program and libc over vFile, and ebb serves the copies
# saved in the trace's files/ folder, so the symbols load and `break fib`
# stops in fib with its source line.
# tracee: fib
# mode: server
# record-exit: 3
# delete-exe: yes
# expect: Breakpoint 1 at 0x[0-9a-f]+: file .*fib\.c, line @fib_body@\.
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: #1  0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_call@
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# packet: w \$vFile:open:
# packet: r \$F[0-9a-f]+;
# reject: No symbol table is loaded
# reject: unable to open /proc file
break fib
continue
bt
delete
continue
