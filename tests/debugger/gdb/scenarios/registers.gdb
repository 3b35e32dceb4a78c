# Registers from the engine: general, segment, x87 control (fctrl 0x37f at
# startup), SSE (mxcsr 0x1f80), orig_rax (-1 outside a syscall), fs_base.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, fib \(n=5\)
# expect: rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <fib\+\d+>
# expect: eflags\s+0x[0-9a-f]+\s+\[
# expect: cs\s+0x33\s
# expect: \$1 = 0x37f
# expect: \$2 = \[ IM DM ZM OM UM PM \]
# expect: \$3 = -1
# expect: \$4 = (true|1)
# expect: \$5 = 5
# reject: Remote failure reply
# reject: Cannot access memory
break fib
continue
info registers rip eflags cs
print/x $fctrl
print $mxcsr
print $orig_rax
print $fs_base != 0
print $rdi
info all-registers
continue
