# An access watchpoint going backwards stops before every access: from
# just after the load at read_back, reverse-continue stops before that
# load (Value 'h': a read), before the read(2) that wrote it (at its
# syscall instruction, Old 'h', New '.'), before the store loop's first store (Old
# '.', New 0). Forward again: the loop's store, the read(2) (stopping after
# the syscall), the load, the capitalizing store (Old 'h', New 'H'), in
# that order, and the program ends as recorded.
# tracee: rev_pipe
# record-exit: 4
# expect: Breakpoint 1, main \(\) at .*rev_pipe\.c:@read_back@
# expect: ^0x[0-9a-f]+\s+@read_back@\s
# expect: Hardware access \(read/write\) watchpoint 2: buf\[0\]
# expect: Hardware access \(read/write\) watchpoint 2: buf\[0\]\s+Value = 104 'h'\s+main \(\) at .*rev_pipe\.c:@read_back@
# expect: ^\$1 = 0$
# expect: Hardware access \(read/write\) watchpoint 2: buf\[0\]\s+Old value = 104 'h'\s+New value = 46 '\.'\s+0x[0-9a-f]+ in (__GI___libc_read|__libc_read|read) \(
# expect: ^=> 0x[0-9a-f]+ <[\w+]+>:\s+syscall\s*$
# expect: Hardware access \(read/write\) watchpoint 2: buf\[0\]\s+Old value = 46 '\.'\s+New value = 0 '\\000'\s+0x[0-9a-f]+ in main \(\) at .*rev_pipe\.c:@fill@
# expect: ^\$2 = 0$
# expect: Hardware access \(read/write\) watchpoint 2: buf\[0\]\s+Old value = 0 '\\000'\s+New value = 46 '\.'\s+0x[0-9a-f]+ in main \(\) at .*rev_pipe\.c:@fill@
# expect: Hardware access \(read/write\) watchpoint 2: buf\[0\]\s+Old value = 46 '\.'\s+New value = 104 'h'\s+0x[0-9a-f]+ in (__GI___libc_read|__libc_read|read) \(
# expect: Hardware access \(read/write\) watchpoint 2: buf\[0\]\s+Value = 104 'h'\s+0x[0-9a-f]+ in main \(\) at .*rev_pipe\.c:@read_back@
# expect: Hardware access \(read/write\) watchpoint 2: buf\[0\]\s+Old value = 104 'h'\s+New value = 72 'H'\s+main \(\) at .*rev_pipe\.c:@print@
# expect: \[Inferior 1 \(process \d+\) exited with code 04\]
# contains: ^5 Hello\.\.\. h$
# reject: No more reverse-execution history
break @read_back@
continue
delete
stepi
awatch buf[0]
reverse-continue
p seen
reverse-continue
x/i $pc
reverse-continue
p i
continue
continue
continue
continue
delete
continue
