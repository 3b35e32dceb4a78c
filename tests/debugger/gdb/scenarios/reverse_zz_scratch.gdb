# tracee: fib
# record-exit: 3
# expect: XX
break @main_print@
continue
break *fib
reverse-continue
printf "STOP sp=%x n=%d ret=%x counter=%d\n", (long)$sp & 0xfff, $rdi, *(long*)$sp & 0xfff, counter
reverse-continue
printf "STOP sp=%x n=%d ret=%x counter=%d\n", (long)$sp & 0xfff, $rdi, *(long*)$sp & 0xfff, counter
