# `finish` out of a callee stops mid-line in the caller with the returned
# value; `until` at the loop's back edge (the `for` line) runs the remaining
# iterations and stops at the first line after the loop (total is then the
# sum of all four squares); `until LINE` stops at that line.
# tracee: loop
# record-exit: 2
# expect: Breakpoint 1, square \(x=0\) at .*loop\.c:@square_body@
# expect: ^0x[0-9a-f]+ in main \(\) at .*loop\.c:@loop_body@
# expect: ^Value returned is \$1 = 0$
# expect: ^@loop_head@\s
# expect: ^@after_loop@\s
# expect: ^\$2 = 14$
# expect: ^main \(\) at .*loop\.c:@main_print@
# expect: ^\$3 = 6$
# expect: ^total 14 sum 6$
# expect: \[Inferior 1 \(process \d+\) exited with code 02\]
# reject: Breakpoint 1, square \(x=[1-9]
break square
continue
finish
delete
next
until
print total
until @main_print@
print s
continue
