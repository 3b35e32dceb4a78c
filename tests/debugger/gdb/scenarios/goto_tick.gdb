# The soft tick clock under gdb: when-ticks reads the current thread's count,
# goto-tick N runs it forward to exactly N and stops; a tick in the past is
# refused (going back is issue 6).
# tracee: fib
# record-args: --ticks=soft
# record-exit: 3
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: Current ticks: \d+
# expect: arrived exactly: True
# expect: refused: 
# reject: arrived exactly: False
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
break fib
continue
delete
when-ticks
python t = int(gdb.execute("monitor when-ticks", to_string=True).split()[-1]); gdb.execute("goto-tick %d" % (t + 7)); print("arrived exactly:", int(gdb.execute("monitor when-ticks", to_string=True).split()[-1]) == t + 7)
python exec("try:\n gdb.execute('goto-tick 1')\nexcept gdb.error as e:\n print('refused:', e)")
continue
