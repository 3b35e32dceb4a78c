# monitor checkpoint / restart / delete-checkpoint, and the gdb commands
# ebb loads (ebb-checkpoint, ebb-restart, ebb-checkpoints): going back to a
# checkpoint brings back its registers and memory, and the replay goes on
# from there as recorded.
# tracee: checkpoint
# record-exit: 0
# expect: Breakpoint 1, step \(i=1\) at .*checkpoint\.c:@step@
# expect: Checkpoint 1 at event \d+\.
# expect: Breakpoint 2, step \(i=2\)
# expect: Checkpoint 2 at event \d+\.
# expect: Breakpoint 2, step \(i=3\)
# expect: \$1 = 3
# expect: Restarted at checkpoint 1 \(event \d+\)\.
# expect: #0  step \(i=1\) at .*checkpoint\.c:@step@
# expect: \$2 = 0
# expect: \$3 = 1
# expect: Breakpoint 2, step \(i=2\)
# expect: \$4 = 1
# expect: Restarted at checkpoint 2
# expect: \$5 = 2
# expect: ^1  event \d+, pc 0x[0-9a-f]+$
# expect: ^2  event \d+, pc 0x[0-9a-f]+$
# expect: Deleted checkpoint 1\.
# expect: ^2  event
# expect: \[Inferior 1 \(process \d+\) exited normally\]
# reject: Deleted checkpoint 1\.\n1  event
# reject: Protocol error
break @step@
continue
delete
monitor checkpoint
break @step@
continue
ebb-checkpoint
continue
print total
ebb-restart 1
print total
print i
continue
print total
ebb-restart 2
print i
ebb-checkpoints
monitor delete-checkpoint 1
ebb-checkpoints
delete
continue
