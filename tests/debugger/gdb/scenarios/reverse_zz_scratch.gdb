# tracee: fib
# record-exit: 3
# expect: XX
break @main_print@
continue
break *fib
reverse-continue
p/x $rsp
p $rdi
p $rax
reverse-stepi
p/x $rsp
p $rdi
p $rax
p $pc
reverse-continue
p/x $rsp
p $rdi
p $rax
reverse-stepi
p/x $rsp
p $rdi
p $rax
p $pc
reverse-continue
p/x $rsp
p $rdi
p $rax
reverse-stepi
p/x $rsp
p $rdi
p $rax
p $pc
