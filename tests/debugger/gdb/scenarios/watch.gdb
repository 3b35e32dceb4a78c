# A hardware write watchpoint (Z2) on a global stops after the write, with
# the old and new values.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, fib \(n=5\)
# expect: Hardware watchpoint 2: counter
# expect: Hardware watchpoint 2: counter\s+Old value = 0\s+New value = 1
# expect: Hardware watchpoint 2: counter\s+Old value = 1\s+New value = 2
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
break fib
continue
watch counter
delete 1
continue
continue
delete
continue
