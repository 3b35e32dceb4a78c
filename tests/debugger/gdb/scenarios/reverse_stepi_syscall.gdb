# reverse-stepi back across a syscall instruction: after stepping over the
# recorded write(2) (rax its result, 6), reverse-stepi goes back onto the
# syscall instruction with rax the syscall number again (1) and the other
# registers as before it; stepi runs it again to the same result, and the
# replay ends as recorded.
# tracee: rawsys
# record-exit: 5
# expect: Breakpoint 1, 0x[0-9a-f]+ in raw_write .*rawsys\.c:@syscall_line@
# expect: ^\$1 = 6$
# expect: ^\$2 = 1$
# expect: ^\$3 = 1$
# expect: ^=> 0x[0-9a-f]+ <(raw_syscall_insn|raw_write\+\d+)>:\s+syscall
# expect: ^\$4 = 1$
# expect: ^\$5 = 1$
# expect: \[Inferior 1 \(process \d+\) exited with code 05\]
# contains: ^hello$
# reject: No more reverse-execution history
# reject: diverged
break *raw_syscall_insn
continue
set $sp0 = $sp
set $rdx0 = $rdx
stepi
p $rax
p $pc == (char *)raw_syscall_insn + 2
reverse-stepi
p $pc == (char *)raw_syscall_insn && $rax == 1 && $sp == $sp0 && $rdx == $rdx0
x/i $pc
stepi
p $rax == 6
p $pc == (char *)raw_syscall_insn + 2
delete
continue
