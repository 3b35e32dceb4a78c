"""Shared helpers for ebb's end-to-end scripts: running a child with a hard timeout,
describing exit statuses, and checking that a refusal is a clean one."""

import os
import resource
import signal
import subprocess
import time
from dataclasses import dataclass

# Exit codes a shell reports for a process that died by SIGABRT/SIGSEGV (128 + n).
CRASH_EXIT_CODES = (128 + signal.SIGABRT, 128 + signal.SIGSEGV)
CRASH_WORDS = ("Aborted", "Segmentation fault", "terminate called", "core dumped",
               "AddressSanitizer", "Assertion")


@dataclass
class Result:
    """What one child run produced. status: >= 0 an exit code, < 0 minus a signal number."""
    argv: list
    status: int
    stdout: bytes
    stderr: bytes
    timed_out: bool
    seconds: float


def no_core_dumps():
    """preexec_fn: crashing tracees (and a crashing ebb) must not litter core files."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(argv, *, stdin=None, input_bytes=None, cwd=None, env=None, timeout=30.0, umask=None):
    """Runs argv in its own session, captures stdout and stderr, and on timeout kills the
    whole process group it started (ebb and any tracee it left behind)."""
    def preexec():
        no_core_dumps()
        if umask is not None:
            os.umask(umask)
    if input_bytes is not None:
        stdin = subprocess.PIPE
    elif stdin is None:
        stdin = subprocess.DEVNULL
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=cwd, env=env, preexec_fn=preexec, start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(input=input_bytes, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(proc.pid)
        out, err = proc.communicate()
    # The child may be gone while a tracee it started still holds the group: end it too.
    kill_group(proc.pid)
    return Result(list(argv), proc.returncode, out, err, timed_out, time.monotonic() - start)


def kill_group(pgid):
    """SIGKILLs the process group led by a child this script started (start_new_session)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def signal_number(name):
    """'SIGSEGV', 'SEGV' or '11' -> 11."""
    name = name.strip().upper()
    if name.isdigit():
        return int(name)
    if not name.startswith("SIG"):
        name = "SIG" + name
    try:
        return int(signal.Signals[name])
    except KeyError:
        raise ValueError(f"unknown signal name {name!r}") from None


def describe_status(status):
    if status is None:
        return "still running"
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit {status}"


def text(data, limit=None):
    """Bytes -> printable text; invalid UTF-8 shown as \\x escapes."""
    s = data.decode("utf-8", errors="backslashreplace")
    if limit is not None and len(s) > limit:
        s = s[:limit] + f"... [{len(s) - limit} more characters]"
    return s


def clean_refusal_problems(result, what):
    """Problems with a run that should have refused its input cleanly: a non-zero exit (not
    by a signal, not 134/139), exactly one non-empty line on stderr, no crash words."""
    problems = []
    if result.timed_out:
        problems.append(f"{what}: timed out after {result.seconds:.1f} s")
    if result.status == 0:
        problems.append(f"{what}: exited 0, expected a non-zero exit")
    elif result.status < 0 and not result.timed_out:
        problems.append(f"{what}: {describe_status(result.status)} (a crash, not a clean error)")
    elif result.status in CRASH_EXIT_CODES:
        problems.append(f"{what}: exit {result.status} looks like a crash")
    err = text(result.stderr)
    for word in CRASH_WORDS:
        if word in err:
            problems.append(f"{what}: stderr mentions {word!r}")
    lines = [l for l in err.splitlines() if l.strip()]
    if len(lines) != 1:
        problems.append(f"{what}: expected exactly one line on stderr, got {len(lines)}")
    return problems


def report(problems, results):
    """Prints the outcome; returns the process exit code (0 pass, 1 fail)."""
    if not problems:
        print("PASS")
        return 0
    for r in results:
        print(f"--- {' '.join(map(str, r.argv))}: {describe_status(r.status)}"
              f"{' (timed out)' if r.timed_out else ''}")
        print(f"    stdout: {text(r.stdout, 2000)!r}")
        print(f"    stderr: {text(r.stderr, 2000)!r}")
    for p in problems:
        print(f"FAIL: {p}")
    return 1
