# tracee: fib
# record-exit: 3
# expect: XX
break @main_print@
continue
reverse-next
p counter
next
p counter
reverse-step
bt
reverse-next
p counter
reverse-step
bt
reverse-step
reverse-step
reverse-step
reverse-step
reverse-next
bt
reverse-next
reverse-next
reverse-next
bt
reverse-next
p counter
