#!/usr/bin/env python3
"""`ebb ps` and `ebb replay -p`: the process tree of a recording.

Records the fork-bomb tracee (a root, 2 children, 4 grandchildren, 8
great-grandchildren), then checks that `ebb ps` lists 15 processes with the
right parents and exit statuses, that `ebb replay -a -p PID` accepts a
recorded pid and replays the same output, and that an unknown pid is refused
with one clear line.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=60, stdin=subprocess.DEVNULL, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ebb", required=True)
    ap.add_argument("--tracee", required=True)
    args = ap.parse_args()
    problems = []
    with tempfile.TemporaryDirectory(prefix="ebb-e2e-ps-") as tmp:
        trace = str(Path(tmp) / "trace")
        rec = run([args.ebb, "record", "-o", trace, "--", args.tracee])
        if rec.returncode != 0:
            print(rec.stderr.decode(errors="replace"))
            print("FAIL: record exited", rec.returncode)
            return 1
        ps = run([args.ebb, "ps", trace])
        lines = ps.stdout.decode().splitlines()
        if ps.returncode != 0 or not lines or lines[0].split() != ["PID", "PPID", "EXIT", "CMD"]:
            problems.append(f"ebb ps: exit {ps.returncode}, output {lines[:2]}")
        rows = [line.split(None, 3) for line in lines[1:]]
        pids = [int(r[0]) for r in rows]
        if len(rows) != 15:
            problems.append(f"expected 15 processes, ebb ps lists {len(rows)}")
        elif rows[0][1] != "-" or rows[0][2] != "0":
            problems.append(f"root row is {rows[0]}, expected no parent and exit 0")
        else:
            parents = {int(r[0]): r[1] for r in rows}
            for r in rows[1:]:
                if r[1] == "-" or int(r[1]) not in parents:
                    problems.append(f"process {r[0]} has parent {r[1]}, which is not in the recording")
            statuses = sorted(r[2] for r in rows[1:])
            if statuses != sorted(["7"] * 2 + ["3"] * 4 + ["1"] * 8):
                problems.append(f"child exit statuses {statuses}")
        if pids:
            rep = run([args.ebb, "replay", "-a", "-p", str(pids[-1]), trace])
            if rep.returncode != 0 or rep.stdout != rec.stdout:
                problems.append(f"replay -p {pids[-1]}: exit {rep.returncode}, stdout equal {rep.stdout == rec.stdout}")
        bad = run([args.ebb, "replay", "-a", "-p", "999999999", trace])
        err = bad.stderr.decode().strip().splitlines()
        if bad.returncode == 0 or len(err) != 1 or "999999999" not in err[0] or "not in the recording" not in err[0]:
            problems.append(f"replay -p of an unknown pid: exit {bad.returncode}, stderr {err}")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
