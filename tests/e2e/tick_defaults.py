#!/usr/bin/env python3
"""The tick clock as the command line chooses it: `ebb record` with no --ticks records with the
soft clock here (auto: no PMU) and `ebb info` says so and why; --ticks=none records without one;
--ticks=pmu is refused with the reason (no PMU, or no pmu source built yet), and an unknown value is a usage error. Each
trace replays.

Usage: tick_defaults.py --ebb EBB
Exit code: 0 pass, 1 fail.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import e2e_lib  # noqa: E402


def tick_line(ebb, trace):
    info = e2e_lib.run([ebb, "info", str(trace)])
    for line in info.stdout.decode(errors="replace").splitlines():
        if line.startswith("tick source:"):
            return line.split(":", 1)[1].strip()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ebb", required=True)
    args = ap.parse_args()
    problems = []
    with tempfile.TemporaryDirectory(prefix="ebb-tick-defaults-") as tmp:
        tmp = Path(tmp)
        # Without a PMU (these machines), or without the pmu source built, auto is soft.
        for name, extra, want in [("default", [], "soft (auto: soft, "),
                                  ("none", ["--ticks=none"], "none"),
                                  ("soft", ["--ticks=soft"], "soft")]:
            trace = tmp / name
            rec = e2e_lib.run([args.ebb, "record", *extra, "-o", str(trace), "--", "/bin/echo", name])
            if rec.status != 0:
                problems.append(f"{name}: record exited {rec.status}: {rec.stderr.decode(errors='replace')}")
                continue
            line = tick_line(args.ebb, trace)
            if line is None or not line.startswith(want) or (want == "soft" and "auto" in line):
                problems.append(f"{name}: ebb info says tick source {line!r}, expected {want!r}...")
            rep = e2e_lib.run([args.ebb, "replay", "--autopilot", str(trace)])
            if rep.status != 0 or rep.stdout != f"{name}\n".encode():
                problems.append(f"{name}: replay exited {rep.status} printing {rep.stdout!r}")
        pmu = e2e_lib.run([args.ebb, "record", "--ticks=pmu", "-o", str(tmp / "pmu"), "--", "/bin/echo"])
        err = pmu.stderr.decode(errors="replace")
        if pmu.status == 0 or "--ticks=pmu:" not in err or len(err.strip().splitlines()) != 1:
            problems.append(f"--ticks=pmu: exited {pmu.status} with {err!r} (expected one line: why not)")
        bad = e2e_lib.run([args.ebb, "record", "--ticks=sometimes", "-o", str(tmp / "bad"), "--", "/bin/echo"])
        if bad.status == 0 or "--ticks" not in bad.stderr.decode(errors="replace"):
            problems.append(f"--ticks=sometimes: exited {bad.status} with {bad.stderr!r}")
    for p in problems:
        print("FAIL", p)
    print("tick_defaults:", "ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
