# Ctrl-C while the replay computes (no syscall for seconds): gdb sends the
# interrupt byte, the replay stops inside the loop (SIGINT), and continuing
# runs it to the end.
# record-args: --ticks=none
# tracee: spin
# record-exit: 4
# interrupt-when: spinning
# interrupt-after: 0.5
# expect: Program received signal SIGINT, Interrupt\.
# expect: #0 .*spin \(rounds=3000000000\) at .*spin\.c:@spin_loop@
# expect: #1 .* main \(\) at
# expect: \[Inferior 1 \(process \d+\) exited with code 04\]
# packet: ^w \$vCont;c[^#]*#..\\x03
continue
bt
continue
