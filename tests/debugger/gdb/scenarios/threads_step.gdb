# Per-thread resumption: with `set scheduler-locking step`, `next` in the
# second thread resumes that thread alone (vCont;s:THREAD, no action for the
# main thread) and the replay stops it there, on the next line; the main
# thread has not moved. `thread N` switches, and each thread's backtrace is
# its own (the main thread's goes through libc to main).
# tracee: threads
# record-exit: 0
# expect: Thread 2 .*hit Breakpoint 1, worker \(arg=0x[0-9a-f]+\) at .*threads\.c:@worker_entry@
# expect: \[Switching to thread 1 \(Thread [0-9a-f]+\.[0-9a-f]+\)\]
# expect: \[Switching to thread 2 \(Thread [0-9a-f]+\.[0-9a-f]+\)\]
# expect: ^@worker_body@\s
# expect: ^\$1 = 7$
# expect: ^@worker_return@\s
# expect: ^  1 +Thread [0-9a-f]+\.[0-9a-f]+ .*\n\* 2 +Thread [0-9a-f]+\.[0-9a-f]+ +worker \(arg=0x[0-9a-f]+\) at .*threads\.c:@worker_return@
# expect: \[Switching to thread 1 \(Thread [0-9a-f]+\.[0-9a-f]+\)\]
# expect: ^\$2 = 1$
# expect: ^#\d+ +0x[0-9a-f]+ in main \(\) at .*threads\.c:@main_join@
# expect: \[Switching to thread 2 \(Thread [0-9a-f]+\.[0-9a-f]+\)\]
# expect: ^#0  worker \(arg=0x[0-9a-f]+\) at .*threads\.c:@worker_return@
# expect: ^Thread 2 \(Thread [0-9a-f]+\.[0-9a-f]+\):\n#0  worker
# expect: ^Thread 1 \(Thread [0-9a-f]+\.[0-9a-f]+\):\n#0  
# expect: ^shared = 7$
# expect: \[Inferior 1 \(process \d+\) exited normally\]
# packet: ^w \$vCont;s:p([0-9a-f]+)\.(?!\1#)([0-9a-f]+)#..\nr [^\n]*\$T05thread:p\1\.\2;
# packet: ^w \$vCont;c:p[0-9a-f]+\.-1#
break worker
continue
thread 1
set $main_pc = $pc
set $main_sp = $sp
thread 2
delete
set scheduler-locking step
next
print id
next
info threads
thread 1
print $pc == $main_pc && $sp == $main_sp
bt
thread 2
bt
thread apply all bt 1
set scheduler-locking off
continue
