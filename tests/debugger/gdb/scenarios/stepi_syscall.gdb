# Single-stepping across a syscall instruction: the step runs the recorded
# write(2) (its output appears, rax is its result, 6) and stops on the next
# instruction; the replay goes on to the end.
# tracee: rawsys
# record-exit: 5
# expect: Breakpoint 1, 0x[0-9a-f]+ in raw_write .*rawsys\.c:@syscall_line@
# expect: ^=> 0x[0-9a-f]+ <(raw_syscall_insn|raw_write\+\d+)>:\s+syscall
# expect: ^hello$
# expect: ^\$1 = 6$
# expect: ^\$2 = 1$
# expect: \[Inferior 1 \(process \d+\) exited with code 05\]
# reject: Remote failure reply
# reject: diverged
break *raw_syscall_insn
continue
x/i $pc
stepi
print $rax
print $pc == (char *)raw_syscall_insn + 2
delete
continue
