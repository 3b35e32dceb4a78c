# From a crash caused by heap corruption, back to the corrupting store: the
# program dies storing through tbl->total, which the loop's off-by-one
# (`<=`) overwrote with 4000. `watch -l tbl->total` and reverse-continue
# stop before that store, at the loop body with i == 4, showing the value
# after it (Old) and before it (New), as gdb's own record does; again,
# before the store that set the pointer; again, at the start of the
# history. Forward, the same two writes fire in order and the program dies
# of the same SIGSEGV.
# tracee: rev_heap
# record-exit: -11
# expect: Program received signal SIGSEGV, Segmentation fault\.
# expect: main \(\) at .*rev_heap\.c:@crash@
# expect: ^\$1 = \(long \*\) 0xfa0$
# expect: Hardware watchpoint 1: -location tbl->total
# expect: Hardware watchpoint 1: -location tbl->total\s+Old value = \(long \*\) 0xfa0\s+New value = \(long \*\) 0x[0-9a-f]+ <grand_total>\s+0x[0-9a-f]+ in main \(\) at .*rev_heap\.c:@off_by_one@
# expect: ^\$2 = 4$
# expect: ^=> 0x[0-9a-f]+ <main\+\d+>:\s+mov\s+%\w+,\(%\w+,%\w+,8\)
# expect: Hardware watchpoint 1: -location tbl->total\s+Old value = \(long \*\) 0x[0-9a-f]+ <grand_total>\s+New value = \(long \*\) 0x0\s+0x[0-9a-f]+ in main \(\) at .*rev_heap\.c:@set_total@
# expect: No more reverse-execution history\.
# expect: _start
# expect: Hardware watchpoint 1: -location tbl->total\s+Old value = <unreadable>\s+New value = \(long \*\) 0x[0-9a-f]+ <grand_total>
# expect: Hardware watchpoint 1: -location tbl->total\s+Old value = \(long \*\) 0x[0-9a-f]+ <grand_total>\s+New value = \(long \*\) 0xfa0\s+main \(\) at .*rev_heap\.c:@fill_loop@
# expect: Program received signal SIGSEGV, Segmentation fault\.
# expect: main \(\) at .*rev_heap\.c:@crash@
# expect: Program terminated with signal SIGSEGV, Segmentation fault\.
continue
p tbl->total
watch -l tbl->total
reverse-continue
p i
x/i $pc
reverse-continue
reverse-continue
continue
continue
continue
continue
