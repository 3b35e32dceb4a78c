# With a checkpoint at nearly every event boundary (EBB_CHECKPOINT_INTERVAL_MS=1),
# ebb keeps at most 48 of its own (plus the origin), thinning them evenly;
# reverse execution still finds the last hit and the start of the history.
# tracee: fib
# record-exit: 3
# replay-env: EBB_CHECKPOINT_INTERVAL_MS=1
# expect: Breakpoint 1, main \(\) at .*fib\.c:@main_print@
# expect: made: True, kept at most 49: True
# expect: Breakpoint 2, fib \(n=1\) at .*fib\.c:@fib_body@
# expect: ^\$1 = 14$
# expect: No more reverse-execution history\.
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
break @main_print@
continue
python import os, glob; folder = os.path.join(os.environ.get("TMPDIR") or "/tmp", "ebb-checkpoints-%d" % os.getppid()); autos = [f for f in glob.glob(folder + "/*.info") if open(f).read().startswith("auto")]; print("made: %s, kept at most 49: %s" % (int(open(folder + "/next-auto-id").read()) - 1000000 > 49, len(autos) <= 49))
break fib
reverse-continue
print counter
delete
reverse-continue
continue
