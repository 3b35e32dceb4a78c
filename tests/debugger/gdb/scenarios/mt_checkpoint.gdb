# Checkpoints and function calls in a multi-threaded process: the copy has
# every thread (main, waiting in a futex to join, and both workers) with
# their registers, signal masks and thread-exit words; after a restart the
# program finishes both workers and joins them, as recorded. (The threads
# meet at a barrier first: a thread caught creating another cannot be copied,
# and where the recording caught them depended on its timing; which worker
# stores first still does, so the breakpoint waits for worker 0.)
# tracee: mt_checkpoint
# record-exit: 0
# expect: Thread \d+ hit Breakpoint 1, worker \(arg=0x0\) at .*mt_checkpoint\.c:@store@
# expect: Checkpoint 1 at event \d+\.
# expect: \$1 = 0
# expect: \$2 = 562641396
# expect: \$3 = 148988
# expect: Restarted at checkpoint 1
# expect: \$4 = 0
# expect: ^\* \d+ +Thread \d+\.\d+ +worker \(arg=0x0\)
# expect: \$5 = 148988
# expect: \[Inferior 1 \(process \d+\) exited normally\]
# contains: ^results 562641396 133786869$
# reject: cannot copy
# reject: Protocol error
break @store@ if id == 0
continue
delete
monitor checkpoint
print results[id]
next
print results[id]
print work(5, 3)
ebb-restart 1
print results[id]
info threads
print work(5, 3)
continue
