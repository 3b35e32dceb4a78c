"""ebb's gdb commands.

`ebb replay` loads this file into the gdb it starts; in another gdb connected
to `ebb replay --server`, load it with `source /path/to/ebb_gdb.py`.
Each command talks to ebb through `monitor` commands (qRcmd packets, listed
in docs/protocol.md), so they work with any gdb that has Python.
"""

import gdb


def _monitor(command):
    """Runs `monitor COMMAND` and returns what ebb answered."""
    return gdb.execute("monitor " + command, to_string=True)


def _refresh():
    """Makes gdb forget what it cached about the program (registers, frames,
    memory): after a restart, the program is elsewhere."""
    gdb.execute("maintenance flush register-cache", to_string=True)
    gdb.execute("maintenance flush dcache", to_string=True)


class _EbbCommand(gdb.Command):
    def __init__(self, name):
        super().__init__(name, gdb.COMMAND_RUNNING)


class When(_EbbCommand):
    """Print the trace event the replay is at (ebb dump's numbering).
Usage: when"""

    def __init__(self):
        super().__init__("when")

    def invoke(self, arg, from_tty):
        gdb.write(_monitor("when"))


class WhenTicks(_EbbCommand):
    """Print the current thread's tick count (a trace with the tick clock, the default).
Usage: when-ticks"""

    def __init__(self):
        super().__init__("when-ticks")

    def invoke(self, arg, from_tty):
        gdb.write(_monitor("when-ticks"))


class WhenTid(_EbbCommand):
    """Print the current thread's recorded thread id.
Usage: when-tid"""

    def __init__(self):
        super().__init__("when-tid")

    def invoke(self, arg, from_tty):
        gdb.write(_monitor("when-tid"))


def _number(arg, usage):
    text = arg.strip()
    if not text.isdigit():
        raise gdb.GdbError("usage: " + usage)
    return int(text)


def _travel(command, quiet=False):
    """Tells ebb where the next resume goes (`monitor goto-...`), then
    resumes with a single step, which ebb answers from there; gdb shows the
    frame as after any step (unless quiet)."""
    _monitor(command)
    gdb.execute("stepi", to_string=quiet)


class GotoTick(_EbbCommand):
    """Move the replay to the moment the current thread's tick count is N, backwards or forwards.
Usage: goto-tick N
Where `when-ticks` printed N earlier in this session, goto-tick N comes back to
that very moment (the same registers); otherwise it stops at the thread's first
instruction at tick N. Needs a trace with the tick clock (the default; not --ticks=none)."""

    def __init__(self):
        super().__init__("goto-tick")

    def invoke(self, arg, from_tty):
        _travel("goto-tick %d" % _number(arg, "goto-tick N"))


class GotoEvent(_EbbCommand):
    """Move the replay to trace event N (ebb dump's numbering), backwards or forwards.
Usage: goto-event N
The replay stops right after event N was replayed; `when` then prints N."""

    def __init__(self):
        super().__init__("goto-event")

    def invoke(self, arg, from_tty):
        _travel("goto-event %d" % _number(arg, "goto-event N"))


class Checkpoint(_EbbCommand):
    """Save this moment of the replay as a checkpoint and print its number.
Usage: ebb-checkpoint
Going back to it later (ebb-restart N) costs a fork, not a replay from the start."""

    def __init__(self):
        super().__init__("ebb-checkpoint")

    def invoke(self, arg, from_tty):
        gdb.write(_monitor("checkpoint"))


class Restart(_EbbCommand):
    """Move the replay to checkpoint N (backwards or forwards) and show where it is.
Usage: ebb-restart N"""

    def __init__(self):
        super().__init__("ebb-restart")

    def invoke(self, arg, from_tty):
        number = arg.strip()
        if not number.isdigit():
            raise gdb.GdbError("usage: ebb-restart N (see ebb-checkpoints)")
        gdb.write(_monitor("restart " + number))
        _refresh()
        gdb.execute("frame")


class Checkpoints(_EbbCommand):
    """List the checkpoints of this replay.
Usage: ebb-checkpoints"""

    def __init__(self):
        super().__init__("ebb-checkpoints")

    def invoke(self, arg, from_tty):
        gdb.write(_monitor("info checkpoints"))


class DeleteCheckpoint(_EbbCommand):
    """Forget checkpoint N.
Usage: ebb-delete-checkpoint N"""

    def __init__(self):
        super().__init__("ebb-delete-checkpoint")

    def invoke(self, arg, from_tty):
        number = arg.strip()
        if not number.isdigit():
            raise gdb.GdbError("usage: ebb-delete-checkpoint N")
        gdb.write(_monitor("delete-checkpoint " + number))


When()
WhenTicks()
WhenTid()
GotoTick()
GotoEvent()
Checkpoint()
Restart()
Checkpoints()
DeleteCheckpoint()


# The Python API for scripts (docs/reverse.md): `import ebb_gdb` works in any
# gdb that loaded this file.

def _last_number(text):
    return int(text.split()[-1].rstrip("."))


def when():
    """The trace event the replay is at."""
    return _last_number(_monitor("when"))


def when_ticks():
    """The current thread's tick count (traces with the tick clock, the default)."""
    return _last_number(_monitor("when-ticks"))


def when_tid():
    """The current thread's recorded thread id."""
    return _last_number(_monitor("when-tid"))


def goto_event(number):
    """Moves the replay to event `number`, backwards or forwards."""
    _travel("goto-event %d" % number, quiet=True)


def goto_tick(ticks):
    """Moves the current thread to tick `ticks`, backwards or forwards."""
    _travel("goto-tick %d" % ticks, quiet=True)


def _run_back_to(kind, address, length):
    spec = "*(unsigned char (*)[%d]) %d" % (length, address)
    watch = gdb.Breakpoint(spec, gdb.BP_WATCHPOINT, kind, internal=True)
    try:
        out = gdb.execute("reverse-continue", to_string=True)
    finally:
        watch.delete()
    return "No more reverse-execution history" not in out


def last_write(address, length=1):
    """Runs backwards to the last write of the `length` bytes at `address`
    before now, and stops right before the instruction (or system call) that
    wrote them: gdb's selected frame is then the writer's. Returns False when
    the start of the history came first (nothing wrote them since)."""
    return _run_back_to(gdb.WP_WRITE, address, length)


def last_access(address, length=1):
    """As last_write, for the last read or write."""
    return _run_back_to(gdb.WP_ACCESS, address, length)


def _as_module():
    """Makes this file importable as `ebb_gdb` when gdb ran it with `source`."""
    import sys
    import types
    if __name__ == "ebb_gdb":
        return
    module = types.ModuleType("ebb_gdb")
    for name in ("when", "when_ticks", "when_tid", "goto_event", "goto_tick", "last_write", "last_access"):
        setattr(module, name, globals()[name])
    sys.modules["ebb_gdb"] = module


_as_module()
