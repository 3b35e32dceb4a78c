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
    """Print the current thread's tick count (a trace recorded with --ticks=soft).
Usage: when-ticks"""

    def __init__(self):
        super().__init__("when-ticks")

    def invoke(self, arg, from_tty):
        gdb.write(_monitor("when-ticks"))


class GotoTick(_EbbCommand):
    """Run the current thread forward until its tick count is N, and stop there.
Usage: goto-tick N   (forward only for now: N must be later than when-ticks)"""

    def __init__(self):
        super().__init__("goto-tick")

    def invoke(self, arg, from_tty):
        number = arg.strip()
        if not number.isdigit():
            raise gdb.GdbError("usage: goto-tick N")
        _monitor("stop-at-tick " + number)
        gdb.execute("continue")


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
GotoTick()
Checkpoint()
Restart()
Checkpoints()
DeleteCheckpoint()
