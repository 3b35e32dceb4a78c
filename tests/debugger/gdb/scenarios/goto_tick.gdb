# The soft tick clock under gdb: when-ticks reads the current thread's
# count; goto-tick N runs it forward to exactly N, and back to a count that
# when-ticks printed earlier it returns to that very moment (the same
# registers); back to a count never printed, to the first instruction at it.
# tracee: fib
# record-args: --ticks=soft
# record-exit: 3
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: Current ticks: \d+
# expect: arrived exactly: True
# expect: back at the same registers: True
# expect: at tick 1: True
# expect: forward again: True
# reject: arrived exactly: False
# reject: back at the same registers: False
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
break fib
continue
delete
when-ticks
python regs = lambda: [int(gdb.parse_and_eval("$" + r)) for r in ("rip", "rsp", "rbp", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r12")]
python t = int(gdb.execute("monitor when-ticks", to_string=True).split()[-1]); before = regs()
python gdb.execute("goto-tick %d" % (t + 7)); print("arrived exactly:", int(gdb.execute("monitor when-ticks", to_string=True).split()[-1]) == t + 7)
python gdb.execute("goto-tick %d" % t); print("back at the same registers:", regs() == before)
python gdb.execute("goto-tick 1"); print("at tick 1:", int(gdb.execute("monitor when-ticks", to_string=True).split()[-1]) == 1)
python gdb.execute("goto-tick %d" % t); print("forward again:", regs() == before)
continue
