# gdb reads /proc/PID/task/PID/maps on connecting, to find the vDSO's
# extent; the recorded PID means nothing on this host, so ebb serves that
# file itself with the vDSO's line (from the auxv and the vDSO's ELF headers
# in the replayed memory). gdb does not warn, loads the vDSO's symbols from
# memory, and keeps linux-vdso.so.1 out of its library list.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, main \(\) at .*fib\.c:@main_call@
# expect: ^(__vdso_)?clock_gettime in section \.text of system-supplied DSO at 0x[0-9a-f]+$
# expect: ^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes.* (target:)?/\S*libc\.so\.6$
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# reject: unable to open /proc file
# reject: linux-vdso
# packet: ^w \$vFile:open:2f70726f632f[0-9a-f]+2f7461736b2f[0-9a-f]+2f6d617073,0,
# packet: ^r \$F[0-9a-f]+;[0-9a-f]+-[0-9a-f]+ r-xp 00000000 00:00 0 \[vdso\]\\n#
break main
continue
info symbol __vdso_clock_gettime
info sharedlibrary
delete
continue
