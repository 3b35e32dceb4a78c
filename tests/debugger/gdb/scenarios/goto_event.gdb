# goto-event N moves the replay to right after trace event N, backwards and
# forwards; `when` then prints N, and when-tid the thread. The Python API's
# goto_event/when do the same from a script.
# tracee: fib
# record-exit: 3
# expect: Breakpoint 1, main \(\) at .*fib\.c:@main_call@
# expect: Current event: (\d+)
# expect: Current thread: \d+
# expect: Current event: 5\n
# expect: Current event: 12\n
# expect: api: 7 True
# expect: fib\(5\) = 5 after 15 calls
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
break main
continue
when
when-tid
goto-event 5
when
goto-event 12
when
python import ebb_gdb; ebb_gdb.goto_event(7); print("api:", ebb_gdb.when(), ebb_gdb.when_tid() > 0)
help goto-event
delete
continue
