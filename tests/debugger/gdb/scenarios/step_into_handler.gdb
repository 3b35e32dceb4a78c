# A step from the stop at a signal (raise's SIGUSR1, asynchronous) delivers it and ends at
# the first instruction of its handler, as on a live process; there the frame's trap number,
# error code and fault address (ucontext: rdx + 40, gregs 20, 19 and 22) are 0, as record and
# replay clear them for an asynchronous signal (engine/session/signal_frame.h): ebb's own
# traps (the step's) would show otherwise. Then the handler runs and the program exits 6.
# tracee: signal
# record-exit: 6
# expect: Program received signal SIGUSR1, User defined signal 1\.
# expect: ^\$1 = 1$
# expect: ^\$2 = 0$
# expect: ^\$3 = 0$
# expect: ^\$4 = 0$
# expect: ^got 10$
# expect: \[Inferior 1 \(process \d+\) exited with code 06\]
# reject: diverged
continue
stepi
print $pc == (long)on_usr1
print *(long *)($rdx + 40 + 20 * 8)
print *(long *)($rdx + 40 + 19 * 8)
print *(long *)($rdx + 40 + 22 * 8)
continue
