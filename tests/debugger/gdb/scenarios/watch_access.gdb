# Read (Z3) and access (Z4) watchpoints stop with the right kind and value;
# a watched range wider than a debug register (16 bytes) is split by ebb
# into aligned pieces.
# tracee: fib
# record-exit: 3
# expect: Hardware read watchpoint 2: counter
# expect: Hardware read watchpoint 2: counter\s+Value = 0\s+0x[0-9a-f]+ in fib \(n=5\)
# expect: Hardware access \(read/write\) watchpoint 3: counter
# expect: Hardware access \(read/write\) watchpoint 3: counter\s+Old value = 0\s+New value = 1
# expect: Hardware access \(read/write\) watchpoint 3: counter\s+Value = 1\s+0x[0-9a-f]+ in fib \(n=4\)
# expect: Hardware watchpoint 4: -location
# expect: Hardware watchpoint 4: -location .*\s+Old value = "\\001
# expect: New value = "\\002
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# packet: ^w \$Z3,[0-9a-f]+,4#
# packet: ^w \$Z4,[0-9a-f]+,4#
# packet: ^w \$Z2,[0-9a-f]+,10#
break fib
continue
delete
rwatch counter
continue
delete
awatch counter
continue
continue
delete
watch -l *(char (*)[16])&counter
continue
delete
continue
