# A watchpoint going backwards finds a syscall's write: from the end,
# `watch -l buf[0]` and reverse-continue stop before the store that
# capitalized it, then before the read(2) that filled it from a pipe (at the
# syscall instruction in libc's read, rax still the syscall number, 0: Old
# value 'h' is the one after the read, New value '.' the one before), then
# before the store loop's first store, then at the start of the history.
# Forward again, the same three writes fire in order (the read's after the
# syscall, rax its result 5) and the program ends as recorded.
# tracee: rev_pipe
# record-exit: 4
# expect: Breakpoint 1, main \(\) at .*rev_pipe\.c:@print@
# expect: Hardware watchpoint 2: -location buf\[0\]\s+Old value = 72 'H'\s+New value = 104 'h'\s+main \(\) at .*rev_pipe\.c:@capitalize@
# expect: Hardware watchpoint 2: -location buf\[0\]\s+Old value = 104 'h'\s+New value = 46 '\.'\s+0x[0-9a-f]+ in (__GI___libc_read|__libc_read|read) \(fd=3, buf=0x[0-9a-f]+ <buf>, nbytes=16\)
# expect: ^#1  0x[0-9a-f]+ in main \(\) at .*rev_pipe\.c:@read@
# expect: ^=> 0x[0-9a-f]+ <[\w+]+>:\s+syscall\s*$
# expect: ^\$1 = 0$
# expect: ^\$2 = "\.{8}(\\000){7}"$
# expect: Hardware watchpoint 2: -location buf\[0\]\s+Old value = 46 '\.'\s+New value = 0 '\\000'\s+0x[0-9a-f]+ in main \(\) at .*rev_pipe\.c:@fill@
# expect: ^\$3 = 0$
# expect: No more reverse-execution history\.
# expect: _start
# expect: Hardware watchpoint 2: -location buf\[0\]\s+Old value = 0 '\\000'\s+New value = 46 '\.'\s+0x[0-9a-f]+ in main \(\) at .*rev_pipe\.c:@fill@
# expect: Hardware watchpoint 2: -location buf\[0\]\s+Old value = 46 '\.'\s+New value = 104 'h'\s+0x[0-9a-f]+ in (__GI___libc_read|__libc_read|read) \(
# expect: ^\$4 = 5$
# expect: Hardware watchpoint 2: -location buf\[0\]\s+Old value = 104 'h'\s+New value = 72 'H'\s+main \(\) at .*rev_pipe\.c:@print@
# expect: \[Inferior 1 \(process \d+\) exited with code 04\]
# contains: ^5 Hello\.\.\. h$
break @print@
continue
delete
watch -l buf[0]
reverse-continue
reverse-continue
bt
x/i $pc
p $rax
p 'rev_pipe.c'::buf
reverse-continue
p i
reverse-continue
continue
continue
p $rax
continue
continue
