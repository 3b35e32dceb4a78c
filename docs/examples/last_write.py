# Who wiped t->label? Runs examples/heap_overflow.c to its crash, then
# backwards to the last write of the pointer, and prints the backtrace there.
#
#   gcc -g -O0 -o heap_overflow examples/heap_overflow.c
#   ebb record ./heap_overflow
#   ebb replay -- -batch -x docs/examples/last_write.py
#
# `ebb replay` loads ebb's gdb extension first, so `import ebb_gdb` works.
import gdb

import ebb_gdb

gdb.execute("continue")  # to the crash: SIGSEGV in strlen
gdb.execute("frame function main")
address = int(gdb.parse_and_eval("&t->label"))
size = int(gdb.parse_and_eval("sizeof(t->label)"))
print("t->label = %s, event %d" % (gdb.parse_and_eval("t->label"), ebb_gdb.when()))
if ebb_gdb.last_write(address, size):
    print("t->label was last written here, at event %d:" % ebb_gdb.when())
    gdb.execute("backtrace")
    gdb.execute("info locals")
else:
    print("nothing wrote t->label since the start of the recording")
