# Going back to a breakpoint in a library that was not loaded yet where the
# history starts: the checkpoint replays forward and places the breakpoint
# once the loader has mapped the library's code executable (an int3 written
# into its first, readable-only mapping would be lost when the loader maps
# the code segment over it).
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, .*printf
# expect: Breakpoint 2, .*__libc_start_main
# expect: Breakpoint 1, .*printf
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: No more reverse-execution history
# reject: resume failed
set breakpoint pending on
break printf
continue
break __libc_start_main
reverse-continue
continue
delete
continue
