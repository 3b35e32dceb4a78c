# A backtrace through libc: in the comparison function qsort(3) calls, the
# frames between it and main are libc's (unwound with libc's CFI, read over
# the protocol); `finish` returns into libc with the comparison's value.
# `break qsort`, set before libc is loaded, stops in libc's qsort (not the
# program's PLT stub) once the library is there.
# tracee: sort
# record-exit: 0
# expect: Breakpoint 1 at 0x[0-9a-f]+
# expect: Breakpoint 2 at 0x[0-9a-f]+: file .*sort\.c, line @compare_body@\.
# expect: Breakpoint 1, (0x[0-9a-f]+ in )?\w*qsort\w* \(
# expect: ^qsort in section \.text of (target:)?/\S*libc\.so\.6$
# expect: ^#1  0x[0-9a-f]+ in main \(\) at .*sort\.c:@main_qsort@
# expect: Breakpoint 2, compare \(a=0x[0-9a-f]+, b=0x[0-9a-f]+\) at .*sort\.c:@compare_body@
# expect: ^#0  compare \(a=0x[0-9a-f]+, b=0x[0-9a-f]+\) at .*sort\.c:@compare_body@\n(#\d+ .*\n)+#\d+ +0x[0-9a-f]+ in main \(\) at .*sort\.c:@main_qsort@
# expect: ^\$1 = [1359]$
# expect: ^\$2 = [1359]$
# expect: ^\S+( \+ \d+)? in section \.text of (target:)?/\S*libc\.so\.6$
# expect: ^Run till exit|^0x[0-9a-f]+ in \S+ \(.*\) (at|from) 
# expect: ^Value returned is \$3 = -?\d+$
# expect: ^\$4 = 1$
# expect: ^1 3 5 9 after \d+ comparisons$
# expect: \[Inferior 1 \(process \d+\) exited normally\]
break qsort
break compare
continue
info symbol $pc
bt
continue
bt
print *(const int *)a
print *(const int *)b
set $expected = *(const int *)a - *(const int *)b
frame 1
info symbol $pc
frame 0
finish
print $ == $expected
delete
continue
