#!/usr/bin/env python3
"""Stress: record a racy multi-threaded program many times and replay every recording.

The tracee (tracee_racy_interleave by default) runs threads that append to a shared log and
yield through syscalls, so its output depends on the interleaving. Each of --runs recordings
(`ebb record`) is replayed once (`ebb replay --autopilot`); every replay must print the same
stdout and stderr bytes as its own recording and end the same way. The recordings need not
agree with each other: the script only reports how many distinct outputs they printed.

Usage: stress_racy.py --ebb EBB --tracee PATH [--runs 50] [--budget 280] [--keep]
Exit code: 0 pass, 1 fail.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import e2e_lib  # noqa: E402

REPLAY_STDIN = b"replay stdin: ebb replay must not read this\n"


def one_run(ebb, tracee, tmp, index, step_timeout, record_args=()):
    """Records and replays once; returns (problems, recording Result, replay Result)."""
    trace = tmp / f"trace-{index}"
    cwd = tmp / "cwd"
    rec = e2e_lib.run([ebb, "record", *record_args, "-o", str(trace), "--", tracee], cwd=cwd,
                      timeout=step_timeout)
    problems = []
    if rec.timed_out:
        problems.append(f"run {index}: record timed out after {rec.seconds:.1f} s")
    if rec.status != 0:
        problems.append(f"run {index}: record {e2e_lib.describe_status(rec.status)}, expected "
                        "exit 0")
    if problems or not trace.is_dir():
        problems.append(f"run {index}: no usable trace")
        return problems, rec, None
    rep = e2e_lib.run([ebb, "replay", "--autopilot", str(trace)], cwd=cwd,
                      input_bytes=REPLAY_STDIN, timeout=step_timeout)
    if rep.timed_out:
        problems.append(f"run {index}: replay timed out after {rep.seconds:.1f} s")
    if rep.status != rec.status:
        problems.append(f"run {index}: replay {e2e_lib.describe_status(rep.status)}, record "
                        f"{e2e_lib.describe_status(rec.status)}")
    for stream in ("stdout", "stderr"):
        if getattr(rec, stream) != getattr(rep, stream):
            problems.append(f"run {index}: replay {stream} differs from record {stream}")
    return problems, rec, rep


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ebb", required=True)
    ap.add_argument("--tracee", required=True, help="path to tracee_racy_interleave")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--record-arg", action="append", default=[],
                    help="an option for `ebb record` (e.g. --ticks=soft); repeatable")
    ap.add_argument("--budget", type=float, default=280.0,
                    help="seconds for all runs together (ctest's TIMEOUT is 300)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    ebb, tracee = os.path.abspath(args.ebb), os.path.abspath(args.tracee)

    tmp = Path(tempfile.mkdtemp(prefix="ebb-e2e-stress-"))
    (tmp / "cwd").mkdir()
    deadline = time.monotonic() + args.budget
    problems, shown, outputs = [], [], {}
    done = 0
    try:
        for i in range(args.runs):
            left = deadline - time.monotonic()
            if left < 2:
                problems.append(f"out of time after {done} of {args.runs} runs "
                                f"({args.budget:.0f} s budget)")
                break
            run_problems, rec, rep = one_run(ebb, tracee, tmp, i, min(30.0, left / 2), args.record_arg)
            done += 1
            outputs[rec.stdout] = outputs.get(rec.stdout, 0) + 1
            if run_problems:
                problems += run_problems
                if len(shown) < 3:   # the first few failing runs, in full
                    shown += [r for r in (rec, rep) if r is not None]
                    if rep is not None:
                        print(f"--- run {i}: record stdout vs replay stdout")
                        print(f"    record: {e2e_lib.text(rec.stdout, 1000)!r}")
                        print(f"    replay: {e2e_lib.text(rep.stdout, 1000)!r}")
            elif not args.keep:
                shutil.rmtree(tmp / f"trace-{i}", ignore_errors=True)
            if (i + 1) % 10 == 0:
                print(f"{i + 1} runs, {len(problems)} problem(s)", flush=True)
        print(f"{done} recordings printed {len(outputs)} distinct output(s)")
        code = e2e_lib.report(problems, shown)
    finally:
        if args.keep or (problems and os.environ.get("EBB_E2E_KEEP_FAILED")):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
