# Shared libraries come from qXfer:libraries-svr4 (the link map read from the
# replayed memory): once the loader has run, `info sharedlibrary` lists libc,
# and a breakpoint on a libc function (printf, which fib calls) stops in libc.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, main \(\) at .*fib\.c:@main_call@
# expect: ^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes.* (target:)?/\S*libc\.so\.6$
# expect: Breakpoint 2 at 0x[0-9a-f]+
# expect: Breakpoint 2, .*printf
# expect: printf.* in section \.text of (target:)?/\S*libc\.so\.6
# expect: #1  0x[0-9a-f]+ in main \(\) at .*fib\.c:@main_print@
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# packet: w \$qXfer:libraries-svr4:read::0,
# packet: r \$l<library-list-svr4 version="1\.0"/>
# packet: r \$l<library-list-svr4 version="1\.0" main-lm="0x[0-9a-f]+">.*<library name="[^"]*libc\.so\.6" lm="0x[0-9a-f]+" l_addr="0x[0-9a-f]+" l_ld="0x[0-9a-f]+" lmid="0x0"/>
# reject: Required attribute
break main
continue
info sharedlibrary
break printf
continue
info symbol $pc
bt 2
continue
