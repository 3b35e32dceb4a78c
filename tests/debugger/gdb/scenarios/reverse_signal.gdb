# Reverse execution across a signal handled inside a call: from the line
# after raise(SIGUSR1), reverse-next steps back over the whole call (the
# signal's delivery, the handler and its return included) to the start of
# the raise line, where the handler has not run yet (got == 0); next runs
# it all again. A breakpoint in the handler is found by reverse-continue
# (the backtrace goes through the signal frame to main's raise line), and
# before the handler there is only the start of the history; forward again,
# the handler, main and the recorded exit.
# tracee: signal
# record-exit: 6
# expect: Breakpoint 1, main \(\) at .*signal\.c:@after_raise@
# expect: ^\$1 = 10$
# expect: ^@raise@\s+raise\(SIGUSR1\);
# expect: ^\$2 = 0$
# expect: ^#0  main \(\) at .*signal\.c:@raise@
# expect: main \(\) at .*signal\.c:@after_raise@
# expect: ^\$3 = 10$
# expect: Breakpoint 2, on_usr1 \(sig=10\) at .*signal\.c:@handler@
# expect: ^#1  <signal handler called>\n(#\d+ .*\n)*#\d+ +0x[0-9a-f]+ in main \(\) at .*signal\.c:@raise@
# expect: ^\$4 = 0$
# expect: No more reverse-execution history\.
# expect: _start
# expect: Breakpoint 2, on_usr1 \(sig=10\) at .*signal\.c:@handler@
# expect: Breakpoint 1, main \(\) at .*signal\.c:@after_raise@
# expect: ^got 10$
# expect: \[Inferior 1 \(process \d+\) exited with code 06\]
# reject: diverged
# reject: resume failed
handle SIGUSR1 nostop noprint pass
break @after_raise@
continue
p got
reverse-next
p got
bt 1
next
p got
break on_usr1
reverse-continue
bt
p got
reverse-continue
continue
continue
delete
continue
