#!/usr/bin/env python3
"""Crash safety: SIGKILL `ebb record` part way through a run, then replay what it left.

The tracee (tracee_slow_lines) writes a line and sleeps 20 ms, 200 times. After --kill-after
seconds the recorder gets SIGKILL. `ebb replay --autopilot` of the partial trace must then
exit non-zero (not by a signal, not 134/139) with exactly one line on stderr that contains
"ends early", and its stdout must be a prefix of what the recording printed.

Usage: killed_recorder.py --ebb EBB --tracee PATH [--kill-after 1.5]
Exit code: 0 pass, 1 fail.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import e2e_lib  # noqa: E402


def collect(stream, sink):
    for chunk in iter(lambda: stream.read1(65536), b""):
        sink.append(chunk)


def record_then_kill(ebb, tracee, trace, kill_after, problems):
    """Starts the recorder in its own session, SIGKILLs it after kill_after seconds, then ends
    whatever it left in that session. Returns the recording's Result."""
    argv = [ebb, "record", "-o", str(trace), "--", tracee]
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=e2e_lib.no_core_dumps,
                            start_new_session=True)
    out, err = [], []
    readers = [threading.Thread(target=collect, args=(proc.stdout, out), daemon=True),
               threading.Thread(target=collect, args=(proc.stderr, err), daemon=True)]
    for t in readers:
        t.start()
    time.sleep(kill_after)
    if proc.poll() is not None:
        problems.append(f"the recorder ended ({e2e_lib.describe_status(proc.returncode)}) "
                        f"before it was killed at {kill_after} s: the tracee ran too fast?")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # With the recorder gone the tracee may linger (stopped, or running detached): end it.
    time.sleep(0.1)
    e2e_lib.kill_group(proc.pid)
    for t in readers:
        t.join(timeout=10)
        if t.is_alive():
            problems.append("the recording's output pipes stayed open 10 s after the kill")
    return e2e_lib.Result(argv, proc.returncode, b"".join(out), b"".join(err), False,
                          time.monotonic() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ebb", required=True)
    ap.add_argument("--tracee", required=True, help="path to tracee_slow_lines")
    ap.add_argument("--kill-after", type=float, default=1.5)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ebb-e2e-killed-"))
    problems = []
    try:
        trace = tmp / "trace"
        rec = record_then_kill(os.path.abspath(args.ebb), os.path.abspath(args.tracee), trace,
                               args.kill_after, problems)
        rec_lines = rec.stdout.count(b"\n")
        print(f"record: killed after {args.kill_after} s; it had printed {rec_lines} lines")
        if rec_lines == 0:
            problems.append("the recording printed nothing before it was killed")
        rep = e2e_lib.run([os.path.abspath(args.ebb), "replay", "--autopilot", str(trace)],
                          cwd=tmp, timeout=30)
        rep_lines = rep.stdout.count(b"\n")
        print(f"replay: {e2e_lib.describe_status(rep.status)}, {rep_lines} lines on stdout")
        problems += e2e_lib.clean_refusal_problems(rep, "replay of the partial trace")
        if b"ends early" not in rep.stderr:
            problems.append("replay's stderr does not say the trace 'ends early'")
        if not rec.stdout.startswith(rep.stdout):
            problems.append("replay's stdout is not a prefix of the recording's stdout")
        code = e2e_lib.report(problems, [rec, rep])
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
