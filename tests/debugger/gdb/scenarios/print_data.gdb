# State at a breakpoint: globals (a struct with a string, an int array,
# bytes) and locals in two frames (`frame 1`, `info locals`, `down`), `x`
# in several formats, registers against the stack (the return address at
# $rbp+8 is frame 1's pc), an unreadable address as an error, and
# `info inferiors`/`info threads` showing the process id the program
# printed (its recorded getpid()).
# tracee: data
# record-exit: 0
# expect: ^pid (\d+)$(?=[\s\S]*^\* 1 +process \1 +1 \(extended-remote [^)]*\) +\S*/data *$)(?=[\s\S]*^\* 1 +Thread \1\.\1 )
# expect: Breakpoint 1, inner \(a=3, b=7\) at .*data\.c:@inner_return@
# expect: ^\$1 = \{x = 3, y = 4, name = 0x[0-9a-f]+ "origin"\}$
# expect: ^\$2 = \{2, 3, 5, 7, 11\}$
# expect: ^\$3 = 28$
# expect: ^\$4 = "origin"$
# expect: ^a = 3\nb = 7$
# expect: ^product = 21\nshifted = 336$
# expect: ^#1  0x[0-9a-f]+ in main \(\) at .*data\.c:@main_call@
# expect: ^count = 3\nratio = 0\.5\nword = "ebb"\np = \{x = 7, y = -2, name = 0x[0-9a-f]+ "local"\}\nr = -?\d+$
# expect: ^\$5 = 0x[0-9a-f]+ "local"$
# expect: ^\$6 = "ebb"$
# expect: ^\$7 = 2$
# expect: ^#0  inner \(a=3, b=7\) at .*data\.c:@inner_return@
# expect: ^\$8 = 10$
# expect: ^0x[0-9a-f]+ <pattern>:\s+0xde\s+0xad\s+0xbe\s+0xef\s+0x01\s+0x02\s+0x03\s+0x04$
# expect: ^0x[0-9a-f]+ <primes>:\s+2\s+3\s+5\s+7$
# expect: ^0x[0-9a-f]+:\s+"origin"$
# expect: ^0x[0-9a-f]+ <origin>:\s+0x0000000400000003\s+0x[0-9a-f]{16}$
# expect: ^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <inner\+\d+>$
# expect: ^\$9 = 1$
# expect: ^\$10 = 1$
# expect: ^\$11 = \(void \*\) 0x[0-9a-f]+ <main\+\d+>$
# expect: ^\$12 = 1$
# expect: Cannot access memory at address 0x0
# expect: ^343 ebb 0\.500000 -2$
# expect: \[Inferior 1 \(process \d+\) exited normally\]
break @inner_return@
continue
info inferiors
info threads
print origin
print primes
print primes[3] * origin.y
print *origin.name@6
info args
info locals
frame 1
info locals
print p.name
print word
print ratio * 4
down
print a + b
x/8xb pattern
x/4dw primes
x/s origin.name
x/2xg &origin
info registers rip
print $sp == $rsp
print $rbp >= $rsp
print *(void **)($rbp + 8)
set $ret = *(void **)($rbp + 8)
frame 1
print $pc == $ret
x/x 0
continue
