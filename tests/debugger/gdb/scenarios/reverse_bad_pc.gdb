# Going back from a crash whose pc is on no mapping (a call through a
# function pointer the off-by-one store overwrote with 4000): with a
# watchpoint on the pointer, reverse-continue from the crash stops before
# the bad store (Old = 0xfa0, New = print_table, i == 4); forward again the
# store fires the watchpoint (Old = print_table, New = 0xfa0) and the crash
# comes back at 0xfa0, and reverse-stepi from there goes back to the
# indirect call in main.
# tracee: rev_badcall
# record-exit: -11
# expect: Program received signal SIGSEGV, Segmentation fault\.\n0x0+fa0 in \?\? \(\)
# expect: Hardware watchpoint 1: -location tbl->report
# expect: Hardware watchpoint 1: -location tbl->report\s+Old value = \(void \(\*\)\(struct table \*\)\) 0xfa0\s+New value = \(void \(\*\)\(struct table \*\)\) 0x[0-9a-f]+ <print_table>\s+0x[0-9a-f]+ in main \(\) at .*rev_badcall\.c:@off_by_one@
# expect: ^\$1 = 4$
# expect: Hardware watchpoint 1: -location tbl->report\s+Old value = \(void \(\*\)\(struct table \*\)\) 0x[0-9a-f]+ <print_table>\s+New value = \(void \(\*\)\(struct table \*\)\) 0xfa0
# expect: Program received signal SIGSEGV, Segmentation fault\.\n0x0+fa0 in \?\? \(\)
# expect: ^0x[0-9a-f]+ in main \(\) at .*rev_badcall\.c:@call_report@
# expect: ^=> 0x[0-9a-f]+ <main\+\d+>:\s+call\s+\*%\w+
# expect: Program received signal SIGSEGV, Segmentation fault\.\n0x0+fa0 in \?\? \(\)
# expect: Program terminated with signal SIGSEGV, Segmentation fault\.
# reject: resume failed
# reject: SIGINT
continue
watch -l tbl->report
reverse-continue
p i
continue
continue
reverse-stepi
x/i $pc
continue
continue
