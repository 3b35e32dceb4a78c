# A hardware breakpoint (Z1) stops like one (gdb prints "Breakpoint N" for
# both kinds; the stop reply says hwbreak).
# tracee: fib
# record-exit: 3
# expect: Hardware assisted breakpoint 1 at 0x[0-9a-f]+: file .*fib\.c, line @fib_body@\.
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# packet: ^w \$Z1,[0-9a-f]+,1#
# packet: ^r \$T05thread:p[0-9a-f]+\.[0-9a-f]+;hwbreak:;#
hbreak fib
continue
delete
continue
