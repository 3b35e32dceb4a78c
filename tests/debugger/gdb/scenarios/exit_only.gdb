# Running to the end reports the recorded exit status; ebb exits with gdb's
# status (gdb -batch: 1, its last command failed).
# tracee: fib
# record-exit: 3
# exit: 1
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# expect: No stack\.
continue
bt
