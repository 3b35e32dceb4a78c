# A signal the program raised itself: the stop reply carries it (T1e: gdb's
# number for SIGUSR1), the backtrace goes through libc's raise to main,
# $_siginfo is the recorded one (SI_TKILL from tgkill); continuing passes
# it on (vCont;C1e) and the handler's breakpoint shows the signal frame
# above raise. The program then exits 6.
# tracee: signal
# record-exit: 6
# expect: Program received signal SIGUSR1, User defined signal 1\.
# expect: ^#\d+ +0x[0-9a-f]+ in main \(\) at .*signal\.c:@raise@
# expect: ^\$1 = 10$
# expect: ^\$2 = -6$
# expect: Breakpoint 1, on_usr1 \(sig=10\) at .*signal\.c:@handler@
# expect: ^#1  <signal handler called>\n(#\d+ .*\n)*#\d+ +0x[0-9a-f]+ in main \(\) at .*signal\.c:@raise@
# expect: ^got 10$
# expect: \[Inferior 1 \(process \d+\) exited with code 06\]
# packet: ^r \$T1ethread:p[0-9a-f]+\.[0-9a-f]+;#
# packet: ^w \$vCont;C1e:p[0-9a-f]+\.[0-9a-f]+[;#]
continue
bt
print $_siginfo.si_signo
print $_siginfo.si_code
break on_usr1
continue
bt
delete
continue
