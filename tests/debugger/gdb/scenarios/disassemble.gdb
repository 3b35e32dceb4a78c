# With breakpoints inserted at three consecutive instructions (always
# inserted, gdb's code cache off so each read reaches ebb), x/3i, x/xb and
# disassemble /r show the program's instructions and bytes (counter++ at
# -O0: mov counter,%eax; add $1,%eax; mov %eax,counter), never ebb's int3.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, fib \(n=5\) at .*fib\.c:@fib_body@
# expect: Breakpoint 2 at 0x[0-9a-f]+: file .*fib\.c, line @fib_body@\.
# expect: Breakpoint 3 at 0x[0-9a-f]+: file .*fib\.c, line @fib_body@\.
# expect: ^=> 0x[0-9a-f]+ <fib\+\d+>:\s+mov\s+0x[0-9a-f]+\(%rip\),%eax\s+# 0x[0-9a-f]+ <counter>\n   0x[0-9a-f]+ <fib\+\d+>:\s+add\s+\$0x1,%eax\n   0x[0-9a-f]+ <fib\+\d+>:\s+mov\s+%eax,0x[0-9a-f]+\(%rip\)\s+# 0x[0-9a-f]+ <counter>$
# expect: ^0x[0-9a-f]+ <fib\+\d+>:\s+0x8b\s+0x05\s+0x[0-9a-f]{2}\s+0x[0-9a-f]{2}\s+0x00\s+0x00\s+0x83\s+0xc0$
# expect: ^0x[0-9a-f]+ <fib\+\d+>:\s+0x01\s+0x89\s+0x05\s+0x[0-9a-f]{2}$
# expect: ^=> 0x[0-9a-f]+ <fib\+\d+>:\s+8b 05 [0-9a-f]{2} [0-9a-f]{2} 00 00\s+mov\s
# expect: ^   0x[0-9a-f]+ <fib\+\d+>:\s+83 c0 01\s+add\s
# expect: ^   0x[0-9a-f]+ <fib\+\d+>:\s+89 05 [0-9a-f]{2} [0-9a-f]{2} 00 00\s+mov\s
# expect: Breakpoint 2, 0x[0-9a-f]+ in fib \(n=5\) at .*fib\.c:@fib_body@
# expect: ^=> 0x[0-9a-f]+ <fib\+\d+>:\s+add\s+\$0x1,%eax
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: int3
# reject: \t0xcc(\t|$)
# reject: (:|\s)cc\s
set breakpoint always-inserted on
set code-cache off
set stack-cache off
break fib
continue
break *($pc + 6)
break *($pc + 9)
x/3i $pc
x/12xb $pc
disassemble /r $pc,+15
continue
x/2i $pc
delete
continue
