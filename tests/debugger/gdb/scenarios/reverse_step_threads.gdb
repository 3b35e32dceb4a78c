# reverse-next across thread switches: from a worker's line after
# pthread_mutex_lock (which may have waited in the kernel while other
# threads ran), reverse-next goes back over the whole call to the lock
# line, in the same thread; once more, to its caller's line in the same
# round; `next` forward runs the call again, in the same thread.
# tracee: rev_threads
# record-exit: 0
# expect: hit Breakpoint 1, visit \(id=\d, round=1\) at .*rev_threads\.c:@visit_body@
# expect: ^@visit_entry@\s+pthread_mutex_lock\(&lock\);
# expect: ^\$1 = 1$
# expect: worker \(arg=.*\) at .*rev_threads\.c:@worker_visit@
# expect: ^\$2 = 1$
# expect: ^@worker_yield@\s+sched_yield\(\);
# expect: ^\$3 = 1$
# reject: resume failed
# reject: diverged
break @visit_body@ if round == 1
continue
set $t = $_thread
delete
reverse-next
print $_thread == $t
reverse-next
print $_thread == $t && round == 1
next
print $_thread == $t
