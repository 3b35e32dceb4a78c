# A breakpoint in a second thread: gdb learns of the thread from the stop,
# lists both, switches to the main thread and backtraces it through libc
# (where main stands then depends on the recorded scheduling: in
# pthread_create or already in pthread_join).
# tracee: threads
# record-exit: 0
# expect: Thread 2 .*hit Breakpoint 1, worker \(arg=0x[0-9a-f]+\) at .*threads\.c:@worker_entry@
# expect: ^  1 +Thread [0-9a-f]+\.[0-9a-f]+ 
# expect: ^\* 2 +Thread [0-9a-f]+\.[0-9a-f]+ .*worker \(arg=
# expect: \$1 = 7
# expect: \[Switching to thread 1 
# expect: #\d+ +0x[0-9a-f]+ in main \(\) at .*threads\.c:\d+
# expect: \[Inferior 1 \(process \d+\) exited normally\]
break worker
continue
info threads
print *(int *)arg
thread 1
bt
continue
