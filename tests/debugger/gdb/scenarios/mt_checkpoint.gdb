# Checkpoints and function calls in a multi-threaded process: the copy has
# every thread (main, in the middle of an mmap, and the first worker) with
# its registers, signal mask and thread-exit word; after a restart the
# program creates its second worker and joins both, as recorded.
# tracee: mt_checkpoint
# record-exit: 0
# expect: Thread 2 hit Breakpoint 1, worker \(arg=0x0\) at .*mt_checkpoint\.c:@store@
# expect: Checkpoint 1 at event \d+\.
# expect: \$1 = 0
# expect: \$2 = 562641396
# expect: \$3 = 148988
# expect: Restarted at checkpoint 1
# expect: \$4 = 0
# expect: ^  1 +Thread \d+\.\d+ +.*\n\* 2 +Thread \d+\.\d+ +worker \(arg=0x0\)
# expect: \$5 = 148988
# expect: \[Inferior 1 \(process \d+\) exited normally\]
# contains: ^results 562641396 133786869$
# reject: cannot copy
# reject: Protocol error
break @store@
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
