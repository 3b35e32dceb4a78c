# A watchpoint on a local: each write stops with the old and new values, and
# when the function returns gdb's scope breakpoint (at the caller's resume
# address) stops the replay, gdb deletes the watchpoint and shows the caller.
# tracee: loop
# record-exit: 2
# expect: Breakpoint 1, sum_to \(n=3\) at .*loop\.c:@sum_add@
# expect: Hardware watchpoint 2: sum\s+Old value = 0\s+New value = 1\s
# expect: Hardware watchpoint 2: sum\s+Old value = 1\s+New value = 3\s
# expect: Hardware watchpoint 2: sum\s+Old value = 3\s+New value = 6\s
# expect: Watchpoint 2 deleted because the program has left the block in\s+which its expression is valid\.
# expect: ^0x[0-9a-f]+ in main \(\) at .*loop\.c:@after_loop@
# expect: ^#0  0x[0-9a-f]+ in main \(\) at .*loop\.c:@after_loop@
# expect: ^total 14 sum 6$
# expect: \[Inferior 1 \(process \d+\) exited with code 02\]
# packet: ^w \$Z2,[0-9a-f]+,4#
break @sum_add@
continue
delete
watch sum
continue
continue
continue
continue
bt
continue
