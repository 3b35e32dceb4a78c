// The bundled example of docs/reverse.md, as a tracee of the gdb scenarios.
#include "../../../../examples/heap_overflow.c"
