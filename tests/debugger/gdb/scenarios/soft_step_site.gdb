# Single steps over code the soft tick clock patched: at fib's entry (a
# jump to a trampoline that counts the call, then copies of the displaced
# instructions), each stepi runs one of the program's instructions, with pc
# always in fib's own code, and the entry's tick is added once. A
# breakpoint on the second displaced instruction (its int3 on the copy)
# stops there too.
# tracee: fib
# record-args: --ticks=soft
# record-exit: 3
# expect: Breakpoint 1, 0x[0-9a-f]+ in fib \(n=\d+\)|Breakpoint 1, fib \(n=
# expect: at entry: True
# expect: after push: True
# expect: tick added once: True
# expect: after mov: True
# expect: Breakpoint 2, 0x[0-9a-f]+ in fib
# expect: at the second instruction: True
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: False
# reject: in \?\? \(\)
break *fib
continue
python ticks = lambda: int(gdb.execute("monitor when-ticks", to_string=True).split()[-1])
python fib = int(gdb.parse_and_eval("(long)fib")); t0 = ticks(); print("at entry:", int(gdb.parse_and_eval("$pc")) == fib)
stepi
python print("after push:", int(gdb.parse_and_eval("$pc")) == fib + 1)
python print("tick added once:", ticks() == t0 + 1)
stepi
python print("after mov:", int(gdb.parse_and_eval("$pc")) == fib + 4)
delete
break *((char *)fib + 1)
continue
python print("at the second instruction:", int(gdb.parse_and_eval("$pc")) == fib + 1)
delete
continue
