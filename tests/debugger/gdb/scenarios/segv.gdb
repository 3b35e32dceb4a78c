# The recorded SIGSEGV stops gdb at the faulting line; continuing ends the
# program killed by it.
# tracee: crash
# record-exit: -11
# expect: Program received signal SIGSEGV, Segmentation fault\.
# expect: main \(\) at .*crash\.c:@fault@
# expect: Program terminated with signal SIGSEGV, Segmentation fault\.
continue
continue
