# Reverse execution through `ebb replay --server` with a gdb of its own:
# the stub advertises ReverseContinue+/ReverseStep+, and bc/bs work; the
# Python commands load by hand with `source`.
# tracee: fib
# record-exit: 3
# mode: server
# expect: Breakpoint 1, fib \(n=4\) at .*fib\.c:@fib_body@
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: Current event: \d+
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# packet: ReverseContinue\+;ReverseStep\+
# packet: ^w \$bc#
# reject: resume failed
break fib
continue
continue
reverse-continue
source @REPO@/python/ebb_gdb.py
when
delete
continue
