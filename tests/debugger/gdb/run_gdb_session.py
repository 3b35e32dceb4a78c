#!/usr/bin/env python3
"""Runs one scripted gdb session against a real replay and checks its output.

A scenario (scenarios/NAME.gdb) is a list of gdb commands, one a line, after
a header of comments:

  # tracee: NAME        tracees/NAME.c, built -g -O0 (NAME ending in _o2: -g -O2) (required)
  # record-exit: N      the status `ebb record` must end with (-SIG: killed)
  # mode: gdb|server|ebb
  #                     gdb (default): `ebb replay TRACE -- -nx -batch -ex CMD...`,
  #                       ebb starting gdb itself;
  #                     server: `ebb replay --server 127.0.0.1:0 TRACE` and a gdb
  #                       started here with `target extended-remote`;
  #                     ebb: `ebb replay EBB-ARGS TRACE` alone (no gdb)
  # ebb-args: ARGS      more arguments for `ebb replay` (before TRACE)
  # record-args: ARGS   more arguments for `ebb record` (e.g. --ticks=soft)
  # replay-pid: child   debug the first recorded process that has a parent
  #                     (`-p PID`, the pid taken from `ebb ps`)
  # interrupt-after: S  S seconds into the session, Ctrl-C: SIGINT to gdb
  #                     (mode gdb only)
  # interrupt-when: TXT count those seconds from when TXT appears in the output
  # interrupt-to: group send it to the whole process group instead (gdb, ebb
  #                     and the replayed program), as a terminal does
  # delete-exe: yes     record a copy of the tracee made in the temporary
  #                     folder and delete that copy before the replay (the
  #                     symbols then come only from the trace's files/;
  #                     mode server: gdb gets no `file` and reads vFile)
  # exit: N             the status `ebb replay` must end with (default 0)
  # replay-env: NAME=V  an environment variable for `ebb replay` (and gdb)
  # expect: REGEX       must match the output, each after the previous one
  # reject: REGEX       must match nowhere in the output
  # contains: REGEX     must match somewhere in the output, in any order (the
  #                     replayed program's own output, which reaches the
  #                     terminal unsynchronized with gdb's)
  # packet: REGEX       must match the packet log (gdb's `set remotelogfile`:
  #                     "w $PACKET" sent by gdb, "r $REPLY" received)

`@name@` in commands and patterns becomes the line number of the tracee's
line marked `/* @name */`; `@REPO@` the repository's root. Patterns are Python regexes, multi-line mode.

Every gdb session logs its packets (`set remotelogfile`); on a failure the
output and the end of the packet log are printed. Exit status 77: gdb is not
installed (ctest: skipped).
"""

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SESSION_TIMEOUT = 100  # seconds; ctest's limit is 120
SKIP = 77


class Scenario:
    def __init__(self, path):
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.tracee = None
        self.record_exit = 0
        self.mode = "gdb"
        self.ebb_args = []
        self.record_args = []
        self.exit = 0
        self.delete_exe = False
        self.expect = []
        self.reject = []
        self.contains = []
        self.packets = []
        self.replay_pid = None
        self.interrupt_after = None
        self.interrupt_to = "gdb"
        self.interrupt_when = None
        self.replay_env = {}
        self.commands = []
        with open(path) as f:
            for raw in f:
                line = raw.rstrip("\n")
                if not line.strip():
                    continue
                m = re.match(r"#\s*([a-z-]+):\s?(.*)$", line)
                if m:
                    self._header(m.group(1), m.group(2))
                elif not line.startswith("#"):
                    self.commands.append(line)
        if not self.tracee:
            sys.exit(f"{path}: no '# tracee:' line")

    def _header(self, key, value):
        if key == "tracee":
            self.tracee = value.strip()
        elif key == "record-exit":
            self.record_exit = int(value)
        elif key == "mode":
            self.mode = value.strip()
        elif key == "ebb-args":
            self.ebb_args = shlex.split(value)
        elif key == "record-args":
            self.record_args = shlex.split(value)
        elif key == "delete-exe":
            self.delete_exe = value.strip() == "yes"
        elif key == "exit":
            self.exit = int(value)
        elif key == "expect":
            self.expect.append(value)
        elif key == "reject":
            self.reject.append(value)
        elif key == "contains":
            self.contains.append(value)
        elif key == "packet":
            self.packets.append(value)
        elif key == "replay-pid":
            self.replay_pid = value.strip()
        elif key == "interrupt-after":
            self.interrupt_after = float(value)
        elif key == "interrupt-to":
            self.interrupt_to = value.strip()
        elif key == "interrupt-when":
            self.interrupt_when = value.strip()
        elif key == "replay-env":
            name, _, val = value.strip().partition("=")
            self.replay_env[name] = val
        else:
            sys.exit(f"unknown header '# {key}:'")


def line_markers(source):
    marks = {}
    with open(source) as f:
        for number, line in enumerate(f, 1):
            for name in re.findall(r"/\*\s*@(\w+)\s*\*/", line):
                marks[name] = number
    return marks


def substitute(text, marks):
    def repl(m):
        if m.group(1) == "REPO":  # the repository's root: scripts from docs/, python/
            return REPO_ROOT
        if m.group(1) not in marks:
            sys.exit(f"unknown line marker @{m.group(1)}@")
        return str(marks[m.group(1)])
    return re.sub(r"@(\w+)@", repl, text)


def run(cmd, timeout=SESSION_TIMEOUT, on_start=None, **kwargs):
    """Runs cmd in its own process group; (status, output). Kills the group on
    timeout. on_start(proc, chunks), when given, runs in a thread once cmd
    started; chunks is the output read so far (a list of str, growing)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, **kwargs)
    chunks = []

    def read():
        for line in proc.stdout:
            chunks.append(line.decode(errors="replace"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if on_start:
        threading.Thread(target=on_start, args=(proc, chunks), daemon=True).start()
    try:
        proc.wait(timeout=timeout)
        note = ""
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        note = f"\n[timed out after {timeout} s]\n"
    reader.join(10)
    return (None if note else proc.returncode), "".join(chunks) + note


def child_named(pid, name):
    """The child of pid whose command is name, or None."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = f.read().split()
    except OSError:
        return None
    for child in children:
        try:
            with open(f"/proc/{child}/comm") as f:
                if f.read().strip() == name:
                    return int(child)
        except OSError:
            pass
    return None


def interrupter(scenario):
    """An on_start for run(): Ctrl-C interrupt-after seconds after the output
    shows interrupt-when (or after the start)."""
    def interrupt(proc, chunks):
        if scenario.interrupt_when:
            deadline = time.monotonic() + SESSION_TIMEOUT / 2
            while scenario.interrupt_when not in "".join(chunks):
                if time.monotonic() > deadline or proc.poll() is not None:
                    return
                time.sleep(0.05)
        time.sleep(scenario.interrupt_after)
        if proc.poll() is not None:
            return
        if scenario.interrupt_to == "group":
            os.killpg(proc.pid, signal.SIGINT)
            return
        gdb = child_named(proc.pid, "gdb")
        if gdb:
            os.kill(gdb, signal.SIGINT)
    return interrupt


def recorded_child_pid(ebb, trace, env):
    status, out = run([ebb, "ps", trace], env=env)
    for line in out.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2 and fields[1] != "-":
            return fields[0]
    sys.exit(f"ebb ps shows no child process:\n{out}")


def gdb_options(packet_log):
    # -iex runs before any -ex (ebb's own connect among them), so the packet
    # log covers the whole session.
    return ["-nx", "-batch", "-iex", f"set remotelogfile {packet_log}",
            "-iex", "set debuginfod enabled off"]


def gdb_commands(scenario, marks):
    args = []
    for c in scenario.commands:
        args += ["-ex", substitute(c, marks)]
    return args


def session_gdb(ebb, scenario, marks, trace, packet_log, env):
    cmd = [ebb, "replay", *scenario.ebb_args, trace, "--", *gdb_options(packet_log),
           *gdb_commands(scenario, marks)]
    on_start = interrupter(scenario) if scenario.interrupt_after is not None else None
    return run(cmd, env=env, on_start=on_start)


def session_ebb(ebb, scenario, trace, env):
    return run([ebb, "replay", *scenario.ebb_args, trace], env=env)


def session_server(ebb, scenario, marks, trace, exe, packet_log, env):
    server = subprocess.Popen([ebb, "replay", "--server", "127.0.0.1:0", *scenario.ebb_args, trace],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    # ebb's output is read by a thread, so a chatty replay never blocks on a
    # full pipe; the main thread waits for the "listening on" line.
    lines = []
    listening = threading.Event()

    def drain():
        for line in server.stdout:
            lines.append(line.decode(errors="replace"))
            if "ebb: listening on " in lines[-1]:
                listening.set()
        listening.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    gdb_out = ""
    try:
        listening.wait(SESSION_TIMEOUT / 2)
        m = re.search(r"ebb: listening on (\S+)", "".join(lines))
        if not m:
            gdb_out = "[no 'listening on' line from ebb]\n"
        else:
            # With the program deleted, gdb gets no `file`: it asks for the
            # exec-file and reads it (sysroot "target:") over vFile.
            load = [] if scenario.delete_exe else ["-ex", f"file {exe}"]
            cmd = ["gdb", *gdb_options(packet_log), *load,
                   "-ex", f"target extended-remote {m.group(1)}", *gdb_commands(scenario, marks)]
            gdb_status, gdb_out = run(cmd, env=env)
            if gdb_status != 0:
                gdb_out += f"\n[gdb exited with {gdb_status}]\n"
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gdb_out += "\n[ebb did not exit within 30 s after gdb]\n"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        reader.join(5)
    return server.returncode, gdb_out + "\n--- ebb ---\n" + "".join(lines)


def check(scenario, marks, status, output, packet_log):
    problems = []
    if status != scenario.exit:
        problems.append(f"ebb replay exited with {status}, expected {scenario.exit}")
    pos = 0
    for pattern in scenario.expect:
        rx = re.compile(substitute(pattern, marks), re.MULTILINE)
        m = rx.search(output, pos)
        if not m:
            earlier = rx.search(output)
            where = " (it matches earlier, out of order)" if earlier else ""
            problems.append(f"expected /{rx.pattern}/ after offset {pos}{where}")
            continue
        pos = m.end()
    for pattern in scenario.contains:
        if not re.search(pattern, output, re.MULTILINE):
            problems.append(f"expected /{pattern}/ somewhere")
    for pattern in scenario.reject:
        rx = re.compile(substitute(pattern, marks), re.MULTILINE)
        m = rx.search(output)
        if m:
            problems.append(f"rejected /{rx.pattern}/ appears: {m.group(0)!r}")
    if scenario.packets:
        try:
            with open(packet_log, errors="replace") as f:
                packets = f.read()
        except OSError:
            packets = ""
        for pattern in scenario.packets:
            rx = re.compile(substitute(pattern, marks), re.MULTILINE)
            if not rx.search(packets):
                problems.append(f"no packet matches /{rx.pattern}/")
    return problems


def packet_log_tail(path, lines=60):
    try:
        with open(path, errors="replace") as f:
            text = f.read().splitlines()
    except OSError:
        return "(no packet log)"
    return "\n".join(text[-lines:])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ebb", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--tracee-dir", required=True, help="where the built tracees are")
    ap.add_argument("--source-dir", required=True, help="where tracees/*.c are")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory and print the output even on success")
    opts = ap.parse_args()

    if not shutil.which("gdb"):
        print("gdb is not installed: skipped")
        return SKIP
    scenario = Scenario(opts.scenario)
    exe = os.path.join(opts.tracee_dir, scenario.tracee)
    marks = line_markers(os.path.join(opts.source_dir, scenario.tracee + ".c"))

    tmp = tempfile.mkdtemp(prefix=f"ebb-gdb-{scenario.name}-")
    env = dict(os.environ, EBB_TRACE_DIR=tmp, DEBUGINFOD_URLS="")
    trace = os.path.join(tmp, "trace")
    packet_log = os.path.join(tmp, "packets.log")
    ok = False
    try:
        if scenario.delete_exe:
            recorded = os.path.join(tmp, scenario.tracee)
            shutil.copy2(exe, recorded)
            exe = recorded
        status, out = run([opts.ebb, "record", *scenario.record_args, "-o", trace, exe], env=env)
        if status != scenario.record_exit:
            print(f"FAIL {scenario.name}: ebb record exited with {status}, "
                  f"expected {scenario.record_exit}\n{out}")
            return 1
        if scenario.delete_exe:
            os.unlink(exe)
        if scenario.replay_pid == "child":
            scenario.ebb_args += ["-p", recorded_child_pid(opts.ebb, trace, env)]
        elif scenario.replay_pid:
            print(f"{opts.scenario}: unknown replay-pid '{scenario.replay_pid}'")
            return 1
        env = dict(env, **scenario.replay_env)
        if scenario.mode == "gdb":
            status, output = session_gdb(opts.ebb, scenario, marks, trace, packet_log, env)
        elif scenario.mode == "server":
            status, output = session_server(opts.ebb, scenario, marks, trace, exe, packet_log, env)
        elif scenario.mode == "ebb":
            status, output = session_ebb(opts.ebb, scenario, trace, env)
        else:
            print(f"{opts.scenario}: unknown mode '{scenario.mode}'")
            return 1
        problems = check(scenario, marks, status, output, packet_log)
        if problems:
            print(f"FAIL {scenario.name}:")
            for p in problems:
                print(f"  - {p}")
            print("--- output ---")
            print(output)
            if scenario.mode != "ebb":
                print(f"--- last packets ({packet_log}) ---")
                print(packet_log_tail(packet_log))
            return 1
        ok = True
        print(f"PASS {scenario.name}")
        if opts.keep:
            print(output)
        return 0
    finally:
        if ok and not opts.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"(kept {tmp})")


if __name__ == "__main__":
    sys.exit(main())
