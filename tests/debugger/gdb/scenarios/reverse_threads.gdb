# reverse-continue with threads: a breakpoint in visit(), hit twice by each
# of three workers in the recorded interleaving (which varies from one
# recording to the next, so each hit's thread (its LWP, which gdb's thread
# numbers may not keep across travel) and value are saved on the way
# forward). From main's end, reverse-continue stops at the last hit, in
# the thread that made it (gdb switches to it, `info threads` marks it),
# then at the ones before it in reverse order; forward again, the same hits
# in the same threads, and the recorded total at main's end. (The session
# stops there: a continue after the workers have exited fails, forward
# only as well, "PTRACE_POKEUSER debug register: thread N is gone".)
# tracee: rev_threads
# record-exit: 0
# expect: Thread \d+ hit Breakpoint 1, visit \(id=\d, round=0\) at .*rev_threads\.c:@visit_body@
# expect: Breakpoint 2, main \(\) at .*rev_threads\.c:@main_print@
# expect: Thread \d+ hit Breakpoint 1, visit \(id=\d, round=1\) at .*rev_threads\.c:@visit_body@
# expect: ^\$1 = 1$
# expect: ^\* \d+ +Thread [0-9a-f]+\.[0-9a-f]+ .*visit \(id=\d, round=1\)
# expect: Thread \d+ hit Breakpoint 1, visit \(id=\d, round=\d\)
# expect: ^\$2 = 1$
# expect: Thread \d+ hit Breakpoint 1, visit \(id=\d, round=\d\)
# expect: ^\$3 = 1$
# expect: Thread \d+ hit Breakpoint 1, visit \(id=\d, round=\d\)
# expect: ^\$4 = 1$
# expect: Thread \d+ hit Breakpoint 1, visit \(id=\d, round=\d\)
# expect: ^\$5 = 1$
# expect: Thread \d+ hit Breakpoint 1, visit \(id=\d, round=\d\)
# expect: ^\$6 = 1$
# expect: ^\$7 = 1$
# expect: ^\$8 = 1$
# expect: ^\$9 = 1$
# expect: ^\$10 = 1$
# expect: ^\$11 = 1$
# expect: Breakpoint 2, main \(\) at .*rev_threads\.c:@main_print@
# expect: ^\$12 = 123$
# reject: No more reverse-execution history
# reject: resume failed
# reject: SIGINT
python exec("class Lwp(gdb.Function):\n def __init__(self): super().__init__('lwp')\n def invoke(self): return gdb.selected_thread().ptid[1]\nLwp()")
break @visit_body@
continue
set $l1 = $lwp()
set $k1 = id * 10 + round
continue
set $l2 = $lwp()
set $k2 = id * 10 + round
continue
set $l3 = $lwp()
set $k3 = id * 10 + round
continue
set $l4 = $lwp()
set $k4 = id * 10 + round
continue
set $l5 = $lwp()
set $k5 = id * 10 + round
continue
set $l6 = $lwp()
set $k6 = id * 10 + round
break @main_print@
continue
reverse-continue
p $lwp() == $l6 && id * 10 + round == $k6
info threads
reverse-continue
p $lwp() == $l5 && id * 10 + round == $k5
reverse-continue
p $lwp() == $l4 && id * 10 + round == $k4
reverse-continue
p $lwp() == $l3 && id * 10 + round == $k3
reverse-continue
p $lwp() == $l2 && id * 10 + round == $k2
reverse-continue
p $lwp() == $l1 && id * 10 + round == $k1
continue
p $lwp() == $l2 && id * 10 + round == $k2
continue
p $lwp() == $l3 && id * 10 + round == $k3
continue
p $lwp() == $l4 && id * 10 + round == $k4
continue
p $lwp() == $l5 && id * 10 + round == $k5
continue
p $lwp() == $l6 && id * 10 + round == $k6
continue
p total
