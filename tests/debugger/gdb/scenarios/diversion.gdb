# Writes and function calls run in a diversion: gdb sees them, the replay
# then goes on exactly as recorded (the program prints 15 and the original
# message, and exits with 3).
# tracee: divert
# record-exit: 3
# expect: Breakpoint 1, main \(\) at .*divert\.c:@print@
# expect: \$1 = 15
# expect: \$2 = 16
# expect: \$3 = 18
# expect: \$4 = 99
# expect: \$5 = "Jello, diversion"
# expect: \$6 = 15
# expect: \$7 = "hello, diversion"
# expect: \[Inferior 1 \(process \d+\) exited with code 03\]
# contains: ^15 hello, diversion$
# reject: ^\d+ Jello
# reject: ^99 
# reject: Cannot access memory
# reject: not supported
break @print@
continue
print counter
print (int) strlen(message)
print add(1, 2)
set var counter = 99
print counter
set var message[0] = 'J'
print message
next
print counter
print message
continue
