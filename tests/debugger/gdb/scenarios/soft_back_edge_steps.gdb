# Single steps both ways across a loop's back-edge that the soft tick clock
# patched (`cmpl; jle` displaced into a trampoline): the `jle` is an
# instruction of its own going backwards and forwards (its copy in the
# trampoline is shown at its address), and stepping from it lands on the
# loop body's first instruction, not past it.
# tracee: rev_threads
# record-exit: 0
# expect: Breakpoint 1, worker \(arg=.*\) at .*rev_threads\.c:@worker_visit@
# expect: => 0x[0-9a-f]+ <worker\+\d+>:\s+jle
# expect: => 0x[0-9a-f]+ <worker\+\d+>:\s+cmpl
# expect: => 0x[0-9a-f]+ <worker\+\d+>:\s+jle
# expect: => 0x[0-9a-f]+ <worker\+\d+>:\s+mov\s+-0x4\(%rbp\)
# expect: ^\$1 = 1$
# reject: diverged
break @worker_visit@ if round == 1
continue
delete
reverse-stepi
x/i $pc
reverse-stepi
x/i $pc
stepi
x/i $pc
stepi
x/i $pc
print round
