# The recorded SIGSEGV stops gdb at the faulting line; $_siginfo there is the
# recorded one (qXfer:siginfo): SIGSEGV at the null address. Continuing ends
# the program killed by it.
# tracee: crash
# record-exit: -11
# expect: Program received signal SIGSEGV, Segmentation fault\.
# expect: main \(\) at .*crash\.c:@fault@
# expect: ^\$1 = 11$
# expect: ^\$2 = \(void \*\) 0x0$
# expect: ^\$3 = 1$
# expect: Program terminated with signal SIGSEGV, Segmentation fault\.
# packet: w \$qXfer:siginfo:read::0,
continue
print $_siginfo.si_signo
print $_siginfo._sifields._sigfault.si_addr
print $_siginfo.si_code
continue
