# The Python API's example (docs/examples/last_write.py), run as a user
# would, with `source`: from the crash of a heap overrun back to the write
# that wiped the pointer, then its backtrace.
# tracee: heap_overflow
# record-exit: -11
# expect: Program received signal SIGSEGV
# expect: t->label = 0x0, event \d+
# expect: t->label was last written here, at event \d+:
# expect: #0  .*init \(t=0x[0-9a-f]+\) at .*heap_overflow\.c:\d+
# expect: #1  .*main \(\) at
# expect: i = 4
# reject: nothing wrote
# reject: (?s)sum 100.*sum 100
source @REPO@/docs/examples/last_write.py
