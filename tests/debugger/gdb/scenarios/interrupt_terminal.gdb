# Ctrl-C at a terminal reaches gdb, ebb and the replayed program alike: ebb
# survives it, the replayed program is not disturbed, and gdb's interrupt
# stops the replay.
# tracee: spin
# record-exit: 4
# interrupt-when: spinning
# interrupt-after: 0.5
# interrupt-to: group
# expect: Program received signal SIGINT, Interrupt\.
# expect: \[Inferior 1 \(process \d+\) exited with code 04\]
continue
continue
