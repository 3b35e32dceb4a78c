# With a checkpoint at every event boundary (EBB_CHECKPOINT_INTERVAL_MS=0; at 1 ms,
# how many were made depended on how fast the replay ran, and a fast one made
# fewer than 100) over 300 syscalls, ebb keeps at most 48 of its own (plus the origin),
# thinning them evenly; reverse execution still finds the last hit, the one
# before, and the start of the history.
# tracee: many_events
# record-exit: 0
# replay-env: EBB_CHECKPOINT_INTERVAL_MS=0
# expect: Breakpoint 1, main \(\) at .*many_events\.c:@done@
# expect: made: True, kept at most 49: True
# expect: Breakpoint 2, visit_one \(i=299\) at .*many_events\.c:@step@
# expect: Breakpoint 2, visit_one \(i=298\) at .*many_events\.c:@step@
# expect: No more reverse-execution history\.
# expect: \[Inferior 1 \(process \d+\) exited normally\]
# reject: resume failed
break @done@
continue
python import os, glob; folder = os.path.join(os.environ.get("TMPDIR") or "/tmp", "ebb-checkpoints-%d" % os.getppid()); autos = [f for f in glob.glob(folder + "/*.info") if open(f).read().startswith("auto")]; print("made: %s, kept at most 49: %s" % (int(open(folder + "/next-auto-id").read()) - 1000000 > 100, len(autos) <= 49))
break visit_one
reverse-continue
reverse-continue
delete
reverse-continue
continue
