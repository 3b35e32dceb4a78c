# A write watchpoint set in main before the second thread exists must stop
# that thread after its write: the watchpoint belongs to the process, so a
# thread created later has to get it too.
# tracee: threads
# record-exit: 0
# expect: Breakpoint 1, main \(\) at .*threads\.c:
# expect: Hardware watchpoint 2: shared
# expect: Thread 2 .*hit Hardware watchpoint 2: shared\s+Old value = 0\s+New value = 7\s
# expect: ^worker \(arg=0x[0-9a-f]+\) at .*threads\.c:@worker_return@
# expect: ^shared = 7$
# expect: \[Inferior 1 \(process \d+\) exited normally\]
# packet: ^r [^$\n]*\$T05thread:p([0-9a-f]+)\.(?!\1;)[0-9a-f]+;watch:[0-9a-f]+;#
break main
continue
delete
watch shared
continue
delete
continue
