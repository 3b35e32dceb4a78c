# `next` over a line whose code is a syscall instruction (gdb steps through
# the line one instruction at a time): the recorded write(2) runs, its
# output appears, and gdb stops on the next line.
# tracee: rawsys
# record-exit: 5
# expect: Breakpoint 1, raw_write \(fd=1, buf=0x[0-9a-f]+ "hello\\n", n=6\) at .*rawsys\.c:@syscall_line@
# expect: ^hello$
# expect: ^\d+\s+return ret;
# expect: ^\$1 = 6$
# expect: \[Inferior 1 \(process \d+\) exited with code 05\]
# reject: Remote failure reply
# reject: diverged
break @syscall_line@
continue
next
print ret
delete
continue
