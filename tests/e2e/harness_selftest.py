#!/usr/bin/env python3
"""Tests the e2e harness itself, without ebb: runs run_tracee.py, killed_recorder.py and
bad_input.py against fake_ebb.py, honest (must pass) and with one flaw at a time (must fail),
so a harness that stops noticing a broken replay is caught.

Usage: harness_selftest.py --tracee-dir BUILD/tracees --source-dir tests/tracees
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAKE = str(HERE / "fake_ebb.py")


def run_script(script, args, flaw=None):
    env = {k: v for k, v in os.environ.items() if k != "FAKE_EBB_BREAK"}
    if flaw:
        env["FAKE_EBB_BREAK"] = flaw
    r = subprocess.run([sys.executable, str(HERE / script), "--ebb", FAKE, *args], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return r.returncode, r.stdout.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tracee-dir", required=True)
    ap.add_argument("--source-dir", required=True)
    args = ap.parse_args()
    tdir, sdir = Path(args.tracee_dir), Path(args.source_dir)

    def tracee(name):
        return ["--source", str(next(sdir.glob(f"*/{name}.c"))),
                "--exe", str(tdir / f"tracee_{name}")]

    cases = [  # (script, args, flaw, expected exit code, what must appear in the output)
        ("run_tracee.py", tracee("environ"), None, 0, "PASS"),
        ("run_tracee.py", tracee("segfault"), None, 0, "PASS"),
        ("run_tracee.py", tracee("tty_ioctl"), None, 0, "PASS"),
        ("run_tracee.py", tracee("readlink_exe"), None, 0, "PASS"),
        ("run_tracee.py", ["--spec", str(HERE / "externals" / "cat_deleted.spec")], None, 0,
         "PASS"),
        ("run_tracee.py", ["--external", "--spec-line", "stdin: b\\na", "--", "sort"], None, 0,
         "PASS"),
        ("run_tracee.py", tracee("argv"), "stdout", 1, "replay stdout differs"),
        ("run_tracee.py", tracee("exit_status"), "status", 1, "replay exit 99, record exit 3"),
        ("run_tracee.py", tracee("file_roundtrip"), "touch", 1, "replay touched"),
        ("run_tracee.py", tracee("environ"), "env", 1, "+EBB_E2E_NOISE=1"),
        ("killed_recorder.py", ["--tracee", str(tdir / "tracee_slow_lines")], None, 0, "PASS"),
        ("killed_recorder.py", ["--tracee", str(tdir / "tracee_slow_lines")], "crash", 1,
         "killed by SIGSEGV"),
        ("bad_input.py", [], None, 0, "PASS"),
    ]
    failures = 0
    for script, a, flaw, want_code, want_text in cases:
        code, out = run_script(script, a, flaw)
        ok = code == want_code and want_text in out
        label = f"{script} {' '.join(a[:2])}" + (f" [flaw: {flaw}]" if flaw else "")
        print(f"{'ok  ' if ok else 'BAD '} {label}: exit {code}")
        if not ok:
            failures += 1
            print(f"     wanted exit {want_code} and {want_text!r} in the output:")
            print("     " + out.replace("\n", "\n     ")[-3000:])
    print("PASS" if not failures else f"FAIL: {failures} case(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
