# ebb replay --server: any gdb connects with target extended-remote; ebb exits
# 0 once the client is done. Without `set sysroot /` gdb reads the program's
# files over the protocol (vFile).
# tracee: fib
# record-exit: 3
# mode: server
# expect: Reading /lib64/ld-linux-x86-64\.so\.2 from remote target
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: #1  0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_call@
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# expect: --- ebb ---\s+ebb: listening on 127\.0\.0\.1:\d+
# packet: ^w \$vFile:open:
# packet: ^w \$vFile:pread:
# reject: unable to open /proc file
break fib
continue
bt
delete
continue
