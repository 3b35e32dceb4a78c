# -p PID debugs a child process from its exec: breakpoints, arguments and
# its own exit status (4; the parent's is 5).
# tracee: child_exec
# record-exit: 5
# replay-pid: child
# expect: Breakpoint 1, child_work \(n=2\) at .*child_exec\.c:@child_work@
# expect: #1 +0x[0-9a-f]+ in main \(argc=2, argv=0x[0-9a-f]+\) at .*child_exec\.c
# expect: \[Inferior 1 \(process \d+\) exited with code 04\]
break child_work
continue
bt
continue
