# `info threads` selects every thread in turn (Hg); the stops that follow
# must still report their own thread's registers (gdb sends `g` without Hg
# after a stop reply: the stub's general thread is the stopped one), or gdb
# takes the other threads' breakpoint hits for spurious traps.
# tracee: rev_threads
# record-exit: 0
# (the threads' order is the recording's: each hit is checked, in any order)
# contains: Thread \d+ hit Breakpoint 1, visit \(id=1, round=0\)
# contains: Thread \d+ hit Breakpoint 1, visit \(id=3, round=0\)
# contains: Thread \d+ hit Breakpoint 1, visit \(id=2, round=0\)
# expect: \* \d +Thread \d+\.\d+ +visit \(id=\d, round=0\)
# contains: Thread \d+ hit Breakpoint 1, visit \(id=1, round=1\)
# contains: Thread \d+ hit Breakpoint 1, visit \(id=3, round=1\)
# contains: Thread \d+ hit Breakpoint 1, visit \(id=2, round=1\)
# expect: Breakpoint 2, main \(\) at .*rev_threads\.c:@main_print@
# expect: \[Inferior 1 \(process \d+\) exited normally\]
# reject: resume failed
break @visit_body@
break @main_print@
continue
continue
continue
info threads
continue
continue
continue
continue
continue
