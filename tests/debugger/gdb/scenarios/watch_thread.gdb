# A write watchpoint set while the second thread is stopped in worker: the
# replay stops that thread after its write, and gdb reports it for thread 2
# with the old and new values.
# tracee: threads
# record-exit: 0
# expect: Thread 2 .*hit Breakpoint 1, worker \(arg=0x[0-9a-f]+\) at .*threads\.c:@worker_entry@
# expect: Hardware watchpoint 2: shared
# expect: Thread 2 .*hit Hardware watchpoint 2: shared\s+Old value = 0\s+New value = 7\s
# expect: ^worker \(arg=0x[0-9a-f]+\) at .*threads\.c:@worker_return@
# expect: ^\* 2 +Thread [0-9a-f]+\.[0-9a-f]+ +worker
# expect: ^shared = 7$
# expect: \[Inferior 1 \(process \d+\) exited normally\]
# packet: ^r [^$\n]*\$T05thread:p([0-9a-f]+)\.(?!\1;)[0-9a-f]+;watch:[0-9a-f]+;#
break worker
continue
delete
watch shared
continue
info threads
delete
continue
