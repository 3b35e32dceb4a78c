# Going back across a child process: the parent forked, the child exec'd,
# ran and exited, and the parent reaped it; reverse-continue from after the
# wait goes back before the fork (checkpoints copy every replayed process),
# and going forward again the child runs again and the parent sees the same
# exit status.
# tracee: child_exec
# record-exit: 5
# expect: Breakpoint 1, main \(argc=1, argv=.*\) at .*child_exec\.c:@fork@
# expect: Breakpoint 2, main \(argc=1, argv=.*\) at .*child_exec\.c:@after_wait@
# expect: \$1 = 1024
# expect: Breakpoint 1, main \(argc=1, argv=.*\) at .*child_exec\.c:@fork@
# expect: \$2 = 0
# expect: Breakpoint 2, main \(argc=1, argv=.*\) at .*child_exec\.c:@after_wait@
# expect: \$3 = 1024
# expect: \[Inferior 1 \(process \d+\) exited with code 05\]
# contains: child exited with 4
break @fork@
break @after_wait@
continue
continue
print status
reverse-continue
print status
continue
print status
delete
continue
