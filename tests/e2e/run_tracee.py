#!/usr/bin/env python3
"""Records one program with `ebb record`, changes the world, replays it with
`ebb replay --autopilot` and checks that replay printed the same bytes and ended the same way.

Usage:
  run_tracee.py --ebb EBB --source tracee.c --exe tracee_bin     (spec from the .c comments)
  run_tracee.py --ebb EBB --spec externals/NAME.spec              (spec with a `command:`)
  run_tracee.py --ebb EBB --external [--spec-line 'KEY: VALUE']... -- /bin/echo hello
  run_tracee.py --native-only ...                                 (check the spec natively)

The spec format is described in tests/e2e/README.md. Exit code: 0 pass, 1 fail, 2 bad usage.
"""

import argparse
import difflib
import os
import re
import shutil
import signal
import struct
import sys
import tempfile
import time
import fcntl
import termios
import threading
import random
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import e2e_lib  # noqa: E402

SPEC_LINE = re.compile(r"^\s*(?://|#)?\s*ebb-test:\s*([a-z-]+):\s?(.*?)\s*$")
KEYS = {"args", "command", "stdin", "stdin-file", "setup", "before-replay", "after-replay",
        "expect-exit", "expect-signal", "expect-stdout", "expect-stderr", "env", "exe", "tty",
        "timeout", "expect-record", "expect-replay", "kill-after"}
ACTIONS = {"write": 2, "append": 2, "rewrite": 2, "replace": 2, "repeat": 3, "random": (2, 3),
           "mkdir": 1, "delete": 1, "move": 2, "symlink": 2}
CHECKS = {"absent": 1, "content": 2}
# Files that `rewrite`/`replace` touch get this mtime, so a stat after them always differs.
CHANGED_MTIME = 1_000_000_000
REPLAY_STDIN = b"replay stdin: ebb replay must not read this\n"
EXIT_EBB_FAILED = 125   # `ebb record`/`ebb replay` when ebb itself cannot go on


class SpecError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Spec parsing

ESCAPES = {"n": b"\n", "t": b"\t", "r": b"\r", "0": b"\0", "\\": b"\\", '"': b'"', "e": b"\x1b"}


def unescape(s):
    """Decodes \\n \\t \\r \\0 \\e \\\\ \\" and \\xNN into bytes (other text as UTF-8)."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        if i + 1 >= len(s):
            raise SpecError(f"dangling backslash in {s!r}")
        e = s[i + 1]
        if e == "x":
            digits = s[i + 2:i + 4]
            if not re.fullmatch(r"[0-9a-fA-F]{2}", digits):
                raise SpecError(f"bad \\x escape in {s!r}")
            out.append(int(digits, 16))
            i += 4
        elif e in ESCAPES:
            out += ESCAPES[e]
            i += 2
        else:
            raise SpecError(f"unknown escape \\{e} in {s!r}")
    return bytes(out)


def tokenize(s):
    """Splits on whitespace; "double quoted" segments keep spaces and take escapes; bare text
    is literal. Segments that touch form one token: --name="a b"."""
    tokens = []
    i = 0
    while i < len(s):
        if s[i].isspace():
            i += 1
            continue
        tok = bytearray()
        while i < len(s) and not s[i].isspace():
            if s[i] == '"':
                j = i + 1
                while j < len(s) and s[j] != '"':
                    j += 2 if s[j] == "\\" else 1
                if j >= len(s):
                    raise SpecError(f"unterminated quote in {s!r}")
                tok += unescape(s[i + 1:j])
                i = j + 1
            else:
                tok += s[i].encode()
                i += 1
        tokens.append(bytes(tok))
    return tokens


@dataclass
class Spec:
    name: str
    exe: str = ""                       # the tracee binary (tracee mode)
    command: list = field(default_factory=list)   # tokens (external mode)
    args: list = field(default_factory=list)
    stdin: bytes = None
    stdin_file: str = None
    setup: list = field(default_factory=list)
    before_replay: list = field(default_factory=list)
    after_replay: list = field(default_factory=list)
    expect_exit: int = None
    expect_signal: int = None
    expect_stdout: list = field(default_factory=list)
    expect_stderr: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    copy_exe: bool = False
    tty: tuple = None                   # (rows, cols): stdin is a pty at native and record
    timeout: float = 25.0
    stopped_early: bytes = None         # expect-record: stopped-early TEXT (TEXT: the reason)
    replay_refused: bytes = None        # expect-replay: refused TEXT
    kill_after: tuple = None            # (seconds, pid file, signal): sent at native and record

    def expected_status(self):
        if self.expect_signal is not None:
            return -self.expect_signal
        return self.expect_exit if self.expect_exit is not None else 0


def check_action(tokens, table, key):
    if not tokens:
        raise SpecError(f"{key}: empty action")
    verb = tokens[0].decode()
    if verb not in table:
        raise SpecError(f"{key}: unknown action {verb!r} (known: {', '.join(sorted(table))})")
    want = table[verb]
    want = want if isinstance(want, tuple) else (want,)
    if len(tokens) - 1 not in want:
        raise SpecError(f"{key}: {verb} takes {' or '.join(map(str, want))} arguments")
    return [verb] + tokens[1:]


def parse_spec_lines(lines, spec):
    for raw in lines:
        m = SPEC_LINE.match(raw)
        if not m:
            if "ebb-test:" in raw:
                raise SpecError(f"malformed spec line: {raw.strip()!r}")
            continue
        key, value = m.group(1), m.group(2)
        add_spec_entry(spec, key, value)
    if spec.expect_exit is not None and spec.expect_signal is not None:
        raise SpecError("expect-exit and expect-signal are exclusive")
    if spec.stdin is not None and spec.stdin_file is not None:
        raise SpecError("stdin and stdin-file are exclusive")
    if spec.tty is not None and (spec.stdin is not None or spec.stdin_file is not None):
        raise SpecError("tty: stdin excludes stdin/stdin-file")
    return spec


def add_spec_entry(spec, key, value):
    if key not in KEYS:
        raise SpecError(f"unknown key {key!r} (known: {', '.join(sorted(KEYS))})")
    if key == "args":
        spec.args += tokenize(value)
    elif key == "command":
        if spec.command:
            raise SpecError("command given twice")
        spec.command = tokenize(value)
    elif key == "stdin":
        spec.stdin = (spec.stdin or b"") + unescape(value) + b"\n"
    elif key == "stdin-file":
        spec.stdin_file = value
    elif key in ("setup", "before-replay"):
        getattr(spec, key.replace("-", "_")).append(check_action(tokenize(value), ACTIONS, key))
    elif key == "after-replay":
        spec.after_replay.append(check_action(tokenize(value), CHECKS, key))
    elif key == "expect-exit":
        spec.expect_exit = int(value)
    elif key == "expect-signal":
        try:
            spec.expect_signal = e2e_lib.signal_number(value)
        except ValueError as e:
            raise SpecError(str(e)) from None
    elif key == "expect-stdout":
        spec.expect_stdout.append(unescape(value))
    elif key == "expect-stderr":
        spec.expect_stderr.append(unescape(value))
    elif key == "env":
        name, sep, val = value.partition("=")
        if not sep or not name:
            raise SpecError(f"env: expected NAME=VALUE, got {value!r}")
        spec.env[name] = val
    elif key == "exe":
        if value != "copy":
            raise SpecError("exe: the only mode is 'copy'")
        spec.copy_exe = True
    elif key == "tty":
        parts = value.split()
        if len(parts) != 3 or parts[0] != "stdin" or not all(p.isdigit() for p in parts[1:]):
            raise SpecError("tty: expected 'stdin ROWS COLS'")
        spec.tty = (int(parts[1]), int(parts[2]))
    elif key == "timeout":
        spec.timeout = float(value)
    elif key == "expect-record":
        tokens = tokenize(value)
        if len(tokens) != 2 or tokens[0] != b"stopped-early":
            raise SpecError("expect-record: expected 'stopped-early TEXT'")
        spec.stopped_early = tokens[1]
    elif key == "expect-replay":
        tokens = tokenize(value)
        if len(tokens) != 2 or tokens[0] != b"refused":
            raise SpecError("expect-replay: expected 'refused TEXT'")
        spec.replay_refused = tokens[1]
    elif key == "kill-after":
        parts = value.split()
        try:
            seconds = float(parts[0]) if len(parts) in (2, 3) else -1.0
        except ValueError:
            seconds = -1.0
        signum = getattr(signal, parts[2], None) if len(parts) == 3 else signal.SIGKILL
        if seconds < 0 or not isinstance(signum, int):
            raise SpecError("kill-after: expected 'SECONDS PIDFILE [SIGNAL]'")
        world_path(Path("."), parts[1])   # relative, without '..'
        spec.kill_after = (seconds, parts[1], signum)


# ---------------------------------------------------------------------------------------------
# The world: files the program sees, relative to a world directory

def world_path(world, name):
    name = name.decode() if isinstance(name, bytes) else name
    p = Path(name)
    if p.is_absolute() or ".." in p.parts:
        raise SpecError(f"path {name!r} must be relative to the test directory, without '..'")
    return world / p


def write_file(path, data, mtime=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def apply_action(world, action):
    verb, args = action[0], action[1:]
    target = world_path(world, args[0]) if verb != "symlink" else world_path(world, args[1])
    if verb == "write":
        write_file(target, args[1])
    elif verb == "append":
        with open(target, "ab") as f:
            f.write(args[1])
    elif verb == "rewrite":
        if not target.is_file():
            raise SpecError(f"rewrite: {target} does not exist")
        with open(target, "r+b") as f:   # same inode: truncate and write in place
            f.truncate(0)
            f.write(args[1])
        os.utime(target, (CHANGED_MTIME, CHANGED_MTIME))
    elif verb == "replace":
        tmp = target.with_name(target.name + ".ebb-e2e-new")
        write_file(tmp, args[1], CHANGED_MTIME)
        os.replace(tmp, target)          # a new inode under the old name
    elif verb == "repeat":
        write_file(target, args[2] * int(args[1]))
    elif verb == "random":
        seed = int(args[2]) if len(args) > 2 else 1
        write_file(target, random.Random(seed).randbytes(int(args[1])))
    elif verb == "mkdir":
        target.mkdir(parents=True, exist_ok=True)
    elif verb == "delete":
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    elif verb == "move":
        dest = world_path(world, args[1])
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.rename(target, dest)
    elif verb == "symlink":
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(args[0], target)


def check_after_replay(world, check):
    verb, args = check[0], check[1:]
    path = world_path(world, args[0])
    if verb == "absent":
        if os.path.lexists(path):
            return f"after replay, {args[0].decode()} exists: replay touched the file system"
    elif verb == "content":
        actual = path.read_bytes() if path.is_file() else None
        if actual != args[1]:
            return (f"after replay, {args[0].decode()} holds {actual!r}, expected {args[1]!r}: "
                    "replay touched the file system")
    return None


def substitute(token, world, exe):
    """{tmpfile:NAME} -> absolute path of NAME in the world; {world} -> the world directory;
    {exe} -> the program being run; {python} -> the real interpreter running this script (not
    a wrapper script such as a pyenv shim, which would fork)."""
    def repl(m):
        if m.group(1) == b"python":
            return os.fsencode(os.path.realpath(sys.executable))
        if m.group(1) == b"world":
            return os.fsencode(world)
        if m.group(1) == b"exe":
            return os.fsencode(exe)
        return os.fsencode(world_path(world, os.fsdecode(m.group(2))))
    return re.sub(rb"\{(world|exe|python|tmpfile:([^}]+))\}", repl, token)


# ---------------------------------------------------------------------------------------------
# Running

class Killer:
    """kill-after: waits for the program to write its pid (digits and a newline) to a file in
    its world, waits SECONDS more, then sends SIGKILL (or the spec's signal) to that pid: a
    signal from outside the recording. Runs beside a native or record run (never beside replay)."""

    def __init__(self, world, seconds, pid_file, signum, deadline):
        self.path = world_path(world, pid_file)
        self.signum = signum
        self.seconds = seconds
        self.deadline = deadline
        self.done = threading.Event()
        self.problem = None
        self.killed = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def wait(self, what):
        """After the run: stops the killer; returns a problem, or None if the kill happened."""
        self.done.set()
        self.thread.join()
        if self.problem:
            return f"{what}: kill-after: {self.problem}"
        if self.killed is None:
            if self.path.exists():
                return f"{what}: kill-after: the run ended before the kill"
            return f"{what}: kill-after: the run ended without writing its pid to {self.path.name}"
        return None

    def run(self):
        pid = None
        while pid is None:
            if self.done.is_set() or time.monotonic() > self.deadline:
                return
            try:
                text = self.path.read_text()
                if text.endswith("\n") and text.strip().isdigit():
                    pid = int(text)
            except OSError:
                pass
            if pid is None:
                time.sleep(0.01)
        if self.done.wait(self.seconds):
            self.problem = "the run ended before the kill"
            return
        try:
            # Only a process of the run: it lives in the session the run started, not in ours.
            if pid <= 1 or os.getsid(pid) == os.getsid(0):
                self.problem = f"pid {pid} in {self.path.name} is not a process of the run"
                return
            os.kill(pid, self.signum)
            self.killed = pid
        except ProcessLookupError:
            self.problem = f"pid {pid} from {self.path.name} was gone before the kill"


class Runner:
    def __init__(self, spec, ebb, tmp, verbose, budget):
        self.spec = spec
        self.deadline = time.monotonic() + budget
        self.ebb = ebb
        self.tmp = tmp
        self.verbose = verbose
        self.record_args = []
        self.dump_contains = []
        self.problems = []
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("EBB_E2E_")}

    def step_timeout(self):
        """A step gets the spec's timeout, but all steps together stay within the budget, so
        the harness (not ctest) ends a hung ebb and reports it."""
        return max(1.0, min(self.spec.timeout, self.deadline - time.monotonic()))

    def fail(self, msg):
        self.problems.append(msg)

    def log(self, msg):
        print(msg, flush=True)

    def prepare_world(self, world):
        world.mkdir(parents=True)
        for action in self.spec.setup:
            apply_action(world, action)
        if self.spec.command:
            prog = os.fsdecode(substitute(self.spec.command[0], world, ""))
            if "/" not in prog:
                found = shutil.which(prog)
                if not found:
                    raise SpecError(f"command {prog!r} not found in PATH")
                prog = found
            return prog, [substitute(t, world, prog) for t in self.spec.command[1:]]
        exe = Path(self.spec.exe).resolve()
        if self.spec.copy_exe:
            copy = world / "exe" / exe.name
            copy.parent.mkdir()
            shutil.copy2(exe, copy)
            exe = copy
        return str(exe), [substitute(t, world, exe) for t in self.spec.args]

    def stdin_kwargs(self, world):
        """stdin for native and record runs; returns (kwargs, fds to close afterwards)."""
        if self.spec.tty:
            master, slave = os.openpty()
            rows, cols = self.spec.tty
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            return {"stdin": slave}, [master, slave]
        if self.spec.stdin_file:
            return {"input_bytes": world_path(world, self.spec.stdin_file).read_bytes()}, []
        if self.spec.stdin is not None:
            return {"input_bytes": self.spec.stdin}, []
        return {}, []

    def record_env(self, world):
        env = dict(self.base_env, PWD=str(world))
        env.update(self.spec.env)
        return env

    def replay_env(self):
        """A different world: recorded-only variables gone, noise added, HOME and TZ moved."""
        env = {k: v for k, v in self.base_env.items() if k not in self.spec.env}
        home = self.tmp / "replay-home"
        home.mkdir(exist_ok=True)
        env.update({"EBB_E2E_NOISE": "1", "HOME": str(home), "TZ": "UTC-05:45", "LC_ALL": "C",
                    "PWD": str(self.tmp / "replay-cwd")})
        return env

    def run_program(self, argv, world, what):
        kwargs, fds = self.stdin_kwargs(world)
        timeout = self.step_timeout()
        killer = None
        if self.spec.kill_after:
            killer = Killer(world, *self.spec.kill_after, time.monotonic() + timeout)
        try:
            r = e2e_lib.run(argv, cwd=world, env=self.record_env(world), timeout=timeout,
                            **kwargs)
        finally:
            for fd in fds:
                os.close(fd)
            problem = killer.wait(what) if killer else None
        if problem:
            self.fail(problem)
        self.log(f"{what}: {e2e_lib.describe_status(r.status)} in {r.seconds:.2f} s, "
                 f"{len(r.stdout)} bytes stdout, {len(r.stderr)} bytes stderr")
        if r.timed_out:
            self.fail(f"{what} timed out after {r.seconds:.1f} s")
        return r

    def check_expectations(self, r, what):
        want = self.spec.expected_status()
        if r.status != want:
            self.fail(f"{what}: {e2e_lib.describe_status(r.status)}, spec expects "
                      f"{e2e_lib.describe_status(want)}")
        for s in self.spec.expect_stdout:
            if s not in r.stdout:
                self.fail(f"{what}: stdout lacks {s!r}")
        for s in self.spec.expect_stderr:
            if s not in r.stderr:
                self.fail(f"{what}: stderr lacks {s!r}")

    def check_stopped_early(self, r, what, words):
        """A run that ebb ended with a message: status 125, one stderr line holding `words`."""
        for p in e2e_lib.clean_refusal_problems(r, what):
            self.fail(p)
        if r.status != EXIT_EBB_FAILED:
            self.fail(f"{what}: {e2e_lib.describe_status(r.status)}, expected exit "
                      f"{EXIT_EBB_FAILED} (the recording stopped early)")
        for w in words:
            if w not in r.stderr:
                self.fail(f"{what}: stderr lacks {w!r}")

    def native(self):
        world = self.tmp / "native"
        prog, args = self.prepare_world(world)
        r = self.run_program([prog] + args, world, "native")
        self.check_expectations(r, "native")
        if self.problems or self.verbose:
            self.log(f"native stdout:\n{e2e_lib.text(r.stdout, 4000)}")
            self.log(f"native stderr:\n{e2e_lib.text(r.stderr, 4000)}")
        return r

    def record(self):
        world = self.tmp / "world"
        trace = self.tmp / "trace"
        prog, args = self.prepare_world(world)
        self.prog = prog
        r = self.run_program([self.ebb, "record"] + self.record_args + ["-o", str(trace), "--", prog] + args,
                             world, "record")
        before = len(self.problems)
        if self.spec.stopped_early is None:
            self.check_expectations(r, "record")
        else:
            self.check_stopped_early(r, "record", [self.spec.stopped_early])
            for s in self.spec.expect_stdout:   # printed before the stop
                if s not in r.stdout:
                    self.fail(f"record: stdout lacks {s!r}")
        if not trace.is_dir():
            self.fail(f"record: no trace directory at {trace}")
        if len(self.problems) > before:
            self.log(f"record stderr:\n{e2e_lib.text(r.stderr, 4000)}")
        return world, trace, r

    def change_world(self, world):
        for action in self.spec.before_replay:
            apply_action(world, action)
        time.sleep(0.02)
        cwd = self.tmp / "replay-cwd"
        cwd.mkdir()
        return cwd

    def tick_clock_places_it(self):
        """A replay refused for want of the tick clock replays in full when recorded with it."""
        return b"tick clock" in self.spec.replay_refused and any(
            a.startswith("--ticks=") and a != "--ticks=none" for a in self.record_args)

    def replay(self, world, trace, rec):
        cwd = self.change_world(world)
        r = e2e_lib.run([self.ebb, "replay", "--autopilot", str(trace)], cwd=cwd,
                        env=self.replay_env(), input_bytes=REPLAY_STDIN,
                        timeout=self.step_timeout(), umask=0o027)
        self.log(f"replay: {e2e_lib.describe_status(r.status)} in {r.seconds:.2f} s, "
                 f"{len(r.stdout)} bytes stdout, {len(r.stderr)} bytes stderr")
        before = len(self.problems)
        if r.timed_out:
            self.fail(f"replay timed out after {r.seconds:.1f} s")
        if self.spec.stopped_early is not None:
            # ebb's own stderr line differs (record: it stops; replay: the trace stops early).
            self.check_stopped_early(r, "replay", [b"stopped early", self.spec.stopped_early])
        elif self.spec.replay_refused is not None and not self.tick_clock_places_it():
            # Replay must stop with one clear line, having printed a prefix of the recording's output.
            self.check_stopped_early(r, "replay", [self.spec.replay_refused])
            if not rec.stdout.startswith(r.stdout):
                self.fail("replay stdout is not a prefix of record stdout")
            return
        elif r.status != rec.status:
            self.fail(f"replay {e2e_lib.describe_status(r.status)}, record "
                      f"{e2e_lib.describe_status(rec.status)}")
        streams = ("stdout",) if self.spec.stopped_early is not None else ("stdout", "stderr")
        for stream in streams:
            a, b = getattr(rec, stream), getattr(r, stream)
            if a != b:
                self.fail(f"replay {stream} differs from record {stream} "
                          f"({len(b)} vs {len(a)} bytes)")
                self.log(diff(a, b, f"record {stream}", f"replay {stream}"))
        if len(self.problems) > before:
            self.log(f"statuses: record {e2e_lib.describe_status(rec.status)}, "
                     f"replay {e2e_lib.describe_status(r.status)}")
        for check in self.spec.after_replay:
            msg = check_after_replay(world, check)
            if msg:
                self.fail(msg)
        left = sorted(p.name for p in cwd.iterdir())
        if left:
            self.fail(f"replay created files in its working directory: {left}")

    def dump_and_info(self, trace):
        d = e2e_lib.run([self.ebb, "dump", str(trace)], timeout=self.step_timeout())
        lines = [l for l in e2e_lib.text(d.stdout).splitlines() if l.strip()]
        self.log(f"dump: {e2e_lib.describe_status(d.status)}, {len(lines)} lines")
        if d.status != 0 or d.timed_out:
            self.fail(f"dump: {e2e_lib.describe_status(d.status)}: {e2e_lib.text(d.stderr, 500)}")
        elif not lines:
            self.fail("dump printed nothing")
        elif self.spec.stopped_early is not None:
            end = "end: recording stopped early: "
            if not lines[-1].startswith(end) or \
                    e2e_lib.text(self.spec.stopped_early) not in lines[-1]:
                self.fail(f"dump's last line is not {end!r} with "
                          f"{e2e_lib.text(self.spec.stopped_early)!r}: {lines[-1]!r}")
        else:
            # The last event line: a trailing summary line ("end: ...") may follow it.
            last = lines[-1]
            if last.lower().startswith("end:") and len(lines) > 1:
                last = lines[-2]
            words = ["exit"]
            if self.spec.expect_signal is not None:
                words += ["signal", signal.Signals(self.spec.expect_signal).name.lower()]
            if not any(w in last.lower() for w in words):
                self.fail(f"dump's last event does not mention {' or '.join(words)}: {last!r}")
        for want in self.dump_contains:
            if not any(want in l for l in lines):
                self.fail(f"dump has no line with {want!r}")
        i = e2e_lib.run([self.ebb, "info", str(trace)], timeout=self.step_timeout())
        out = e2e_lib.text(i.stdout)
        self.log(f"info: {e2e_lib.describe_status(i.status)}, {len(out.splitlines())} lines")
        if i.status != 0 or i.timed_out:
            self.fail(f"info: {e2e_lib.describe_status(i.status)}: {e2e_lib.text(i.stderr, 500)}")
        elif os.path.basename(self.prog) not in out:
            self.fail(f"info does not name the recorded program {os.path.basename(self.prog)!r}:"
                      f"\n{e2e_lib.text(i.stdout, 2000)}")

    def run_all(self, native_only):
        native = self.native()
        if native_only or self.problems:
            return
        world, trace, rec = self.record()
        if self.spec.stopped_early is not None:
            if not native.stdout.startswith(rec.stdout):
                self.fail("record: stdout is not a prefix of native stdout")
        elif native.status != rec.status:
            self.fail(f"record {e2e_lib.describe_status(rec.status)}, native "
                      f"{e2e_lib.describe_status(native.status)}")
        if not trace.is_dir() or rec.timed_out:
            return
        self.replay(world, trace, rec)
        self.dump_and_info(trace)


def diff(a, b, la, lb, limit=200):
    lines = list(difflib.unified_diff(e2e_lib.text(a).splitlines(keepends=True),
                                      e2e_lib.text(b).splitlines(keepends=True), la, lb))
    if not lines:   # equal as text: the difference is in bytes the decoder folded
        return f"{la}: {a[:400]!r}\n{lb}: {b[:400]!r}"
    more = len(lines) - limit
    out = "".join(l if l.endswith("\n") else l + "\n\\ No newline at end of file\n"
                  for l in lines[:limit])
    return out + (f"... [{more} more diff lines]\n" if more > 0 else "")


# ---------------------------------------------------------------------------------------------

def build_spec(args):
    if args.source:
        if not args.exe:
            raise SpecError("--source needs --exe")
        spec = Spec(name=Path(args.source).stem, exe=args.exe)
        lines = Path(args.source).read_text().splitlines()
    elif args.spec:
        spec = Spec(name=Path(args.spec).stem)
        lines = Path(args.spec).read_text().splitlines()
        if not any(SPEC_LINE.match(l) and SPEC_LINE.match(l).group(1) == "command"
                   for l in lines):
            raise SpecError(f"{args.spec}: a spec file needs a 'command:' line")
    else:
        if not args.command:
            raise SpecError("--external needs a command after --")
        spec = Spec(name=Path(args.command[0]).name)
        spec.command = [c.encode() for c in args.command]
        lines = [f"ebb-test: {l}" for l in args.spec_line]
    parse_spec_lines(lines, spec)
    if args.timeout:
        spec.timeout = args.timeout
    return spec


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ebb", help="path to the ebb binary (not needed with --native-only)")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--source", help="a tracee's .c file, holding its spec")
    mode.add_argument("--spec", help="a spec file with a 'command:' line")
    mode.add_argument("--external", action="store_true", help="run the command after --")
    ap.add_argument("--exe", help="the tracee binary built from --source")
    ap.add_argument("--spec-line", action="append", default=[],
                    help="with --external: one spec entry, 'KEY: VALUE' (repeatable)")
    ap.add_argument("--native-only", action="store_true",
                    help="only run the program natively and check its spec")
    ap.add_argument("--timeout", type=float, help="seconds per step (overrides the spec)")
    ap.add_argument("--record-arg", action="append", default=[],
                    help="an option for `ebb record` (e.g. --ticks=soft); repeatable")
    ap.add_argument("--dump-contains", action="append", default=[],
                    help="text some line of `ebb dump` must hold; repeatable")
    ap.add_argument("--budget", type=float, default=55.0,
                    help="seconds for all steps together (ctest's TIMEOUT is 60)")
    ap.add_argument("--keep", action="store_true", default=bool(os.environ.get("EBB_E2E_KEEP")),
                    help="keep the temporary directory (also: EBB_E2E_KEEP=1)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the native output")
    ap.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.native_only and not args.ebb:
        ap.error("--ebb is required unless --native-only")
    try:
        spec = build_spec(args)
    except (SpecError, OSError, ValueError) as e:
        print(f"bad spec: {e}", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix=f"ebb-e2e-{spec.name}-"))
    runner = Runner(spec, os.path.abspath(args.ebb) if args.ebb else None, tmp, args.verbose,
                    args.budget)
    runner.record_args = args.record_arg
    runner.dump_contains = args.dump_contains
    print(f"{spec.name}: {'native check' if args.native_only else 'record/replay'} in {tmp}",
          flush=True)
    try:
        runner.run_all(args.native_only)
    except (SpecError, OSError) as e:
        runner.fail(f"{type(e).__name__}: {e}")
    finally:
        if args.keep or (runner.problems and os.environ.get("EBB_E2E_KEEP_FAILED")):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for p in runner.problems:
        print(f"FAIL: {p}")
    if runner.problems:
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
