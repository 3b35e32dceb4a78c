# Reverse stepping in -O2 code (rev_calc_o2: scale() called from a loop
# whose index and sum live in registers). The stops, lines and values are
# those gdb's own `record full` shows for the same commands: reverse-finish
# from the third scale() lands on the call; reverse-next walks the loop
# back a line at a time; reverse-step from the loop's top enters the
# previous scale() at its `ret` (x=2) and back out to the call; finish
# returns 13 again, and the stores to results[] are undone and redone. From
# main's printf, reverse-step enters accumulate's epilogue, reverse-finish
# goes back to main's call of it and reverse-next to the line's start.
# tracee: rev_calc_o2
# record-exit: 5
# expect: Breakpoint 1, scale \(x=1\) at .*rev_calc_o2\.c:@scale_return@
# expect: Breakpoint 1, scale \(x=2\)
# expect: Breakpoint 1, scale \(x=3\)
# expect: ^#1  0x[0-9a-f]+ in accumulate \(v=v@entry=0x[0-9a-f]+ <v>, n=n@entry=4\) at .*rev_calc_o2\.c:@acc_call@
# expect: ^0x[0-9a-f]+ in accumulate \(v=v@entry=0x[0-9a-f]+ <v>, n=n@entry=4\) at .*rev_calc_o2\.c:@acc_call@
# expect: ^\$1 = \{10, 13, 0, 0\}$
# expect: ^0x[0-9a-f]+\s+@acc_loop@\s
# expect: ^@acc_call@\s
# expect: ^\$2 = \{10, 13, 0, 0\}$
# expect: ^@acc_loop@\s
# expect: ^#0  accumulate \(v=v@entry=0x[0-9a-f]+ <v>, n=n@entry=4\) at .*rev_calc_o2\.c:@acc_loop@
# expect: ^@acc_add@\s
# expect: ^0x[0-9a-f]+ in scale \(x=2\) at .*rev_calc_o2\.c:@scale_end@
# expect: ^#0  0x[0-9a-f]+ in scale \(x=2\) at .*rev_calc_o2\.c:@scale_end@
# expect: ^0x[0-9a-f]+ in accumulate \(v=v@entry=0x[0-9a-f]+ <v>, n=n@entry=4\) at .*rev_calc_o2\.c:@acc_call@
# expect: ^Value returned is \$3 = 13$
# expect: ^\$4 = \{10, 0, 0, 0\}$
# expect: ^@acc_add@\s
# expect: ^@acc_loop@\s
# expect: ^\$5 = \{10, 13, 0, 0\}$
# expect: Breakpoint 2, main \(\) at .*rev_calc_o2\.c:@main_print@
# expect: ^0x[0-9a-f]+ in accumulate \(v=v@entry=0x[0-9a-f]+ <v>, n=n@entry=4\) at .*rev_calc_o2\.c:@acc_end@
# expect: ^0x[0-9a-f]+\s+@acc_end@\s
# expect: ^#0  0x[0-9a-f]+ in accumulate \(v=v@entry=0x[0-9a-f]+ <v>, n=n@entry=4\) at .*rev_calc_o2\.c:@acc_end@
# expect: ^0x[0-9a-f]+ in main \(\) at .*rev_calc_o2\.c:@main_call@
# expect: ^0x[0-9a-f]+\s+@main_call@\s
# expect: ^\$6 = \(void \(\*\)\(\)\) 0x[0-9a-f]+ <main\+1>$
# expect: ^sum 58$
# expect: \[Inferior 1 \(process \d+\) exited with code 05\]
# reject: No more reverse-execution history
break scale
continue
continue
continue
bt
reverse-finish
p results
reverse-next
reverse-next
p results
reverse-step
bt 1
reverse-step
reverse-step
bt 1
finish
p results
next
next
p results
delete
break @main_print@
continue
reverse-step
reverse-step
bt 1
reverse-finish
reverse-next
p $pc
delete
continue
