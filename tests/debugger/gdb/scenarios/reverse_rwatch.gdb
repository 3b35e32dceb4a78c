# A read watchpoint going backwards: from the end, reverse-continue with
# `rwatch buf[0]` stops before the last read of buf[0] (the load at
# read_back, Value 'h'), not at the later store that capitalized it nor at
# the read(2) that wrote it (writes are not reads); once more, and the
# history begins: nothing read buf[0] before. Forward from there the first
# read is the same load (stopping after it), and the next one printf's.
# tracee: rev_pipe
# record-exit: 4
# expect: Breakpoint 1, main \(\) at .*rev_pipe\.c:@print@
# expect: Hardware read watchpoint 2: buf\[0\]
# expect: Hardware read watchpoint 2: buf\[0\]\s+Value = 104 'h'\s+main \(\) at .*rev_pipe\.c:@read_back@
# expect: ^\$1 = 0$
# expect: No more reverse-execution history\.
# expect: _start
# expect: Hardware read watchpoint 2: buf\[0\]\s+Value = 104 'h'\s+0x[0-9a-f]+ in main \(\) at .*rev_pipe\.c:@read_back@
# expect: Hardware read watchpoint 2: buf\[0\]\s+Value = 72 'H'\s+(0x[0-9a-f]+ in )?\w+ \(
# expect: \[Inferior 1 \(process \d+\) exited with code 04\]
# contains: ^5 Hello\.\.\. h$
# reject: Value = \d+ '.'\s+(0x[0-9a-f]+ in )?main \(\) at .*rev_pipe\.c:(@capitalize@|@fill@|@print@)
# reject: Value = \d+ '.'\s+0x[0-9a-f]+ in (__GI___libc_read|__libc_read|read) \(
break @print@
continue
delete
rwatch buf[0]
reverse-continue
p seen
reverse-continue
continue
continue
delete
continue
