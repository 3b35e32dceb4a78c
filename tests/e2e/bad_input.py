#!/usr/bin/env python3
"""Bad input gets a clean refusal: a non-zero exit (never a signal, 134 or 139), one clear line
on stderr, no "Aborted" or other crash words, no hang. Covers a program that does not exist,
things that are not traces, help and unknown commands, and (when `ebb record` works) traces
with one file truncated or overwritten with garbage, where only "no crash, no hang" is asked.

Usage: bad_input.py --ebb EBB
Exit code: 0 pass, 1 fail.
"""

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import e2e_lib  # noqa: E402

MAX_CORRUPTED_FILES = 6


class Checker:
    def __init__(self, ebb, tmp):
        self.ebb = ebb
        self.tmp = tmp
        self.env = dict(os.environ, HOME=str(tmp / "home"), XDG_DATA_HOME=str(tmp / "xdg"))
        self.problems = []
        self.results = []

    def run(self, *args, timeout=20):
        r = e2e_lib.run([self.ebb, *map(str, args)], cwd=self.tmp, env=self.env, timeout=timeout)
        self.results.append(r)
        print(f"{' '.join(map(str, args))}: {e2e_lib.describe_status(r.status)}: "
              f"{e2e_lib.text(r.stderr, 300).strip()!r}")
        return r

    def refuses(self, what, *args, mention=None):
        r = self.run(*args)
        found = e2e_lib.clean_refusal_problems(r, what)
        if mention is not None and mention not in e2e_lib.text(r.stderr):
            found.append(f"{what}: stderr does not mention {mention!r}")
        self.problems += found
        return r

    def no_crash(self, what, *args):
        r = self.run(*args, timeout=10)
        if r.timed_out:
            self.problems.append(f"{what}: timed out")
        elif r.status < 0 or r.status in e2e_lib.CRASH_EXIT_CODES:
            self.problems.append(f"{what}: {e2e_lib.describe_status(r.status)}")
        err = e2e_lib.text(r.stderr)
        self.problems += [f"{what}: stderr mentions {w!r}" for w in e2e_lib.CRASH_WORDS
                          if w in err]
        return r

    def helps(self, *args):
        r = self.run(*args)
        if r.status != 0 or not r.stdout.strip():
            self.problems.append(f"ebb {' '.join(args)}: {e2e_lib.describe_status(r.status)}, "
                                 f"{len(r.stdout)} bytes of help on stdout (want exit 0, help)")


def not_traces(c):
    missing = "/nonexistent/prog"
    c.refuses("record of a missing program", "record", "-o", c.tmp / "t1", "--", missing,
              mention=missing)
    c.refuses("record of a missing program, default -o", "record", missing, mention=missing)
    c.refuses("record of a non-executable file", "record", "-o", c.tmp / "t2", "--",
              c.tmp / "plain.txt", mention="plain.txt")

    empty = c.tmp / "empty"
    empty.mkdir()
    garbage = c.tmp / "garbage"
    garbage.mkdir()
    (garbage / "header").write_bytes(random.Random(5).randbytes(4096))
    text = c.tmp / "text-header"
    text.mkdir()
    (text / "header").write_text("this is not a trace\n")
    zero = c.tmp / "zero-header"
    zero.mkdir()
    (zero / "header").write_bytes(b"")
    for name, path in [("an empty directory", empty), ("a garbage header", garbage),
                       ("a text header", text), ("an empty header", zero),
                       ("a missing directory", c.tmp / "missing"),
                       ("a regular file", c.tmp / "plain.txt")]:
        c.refuses(f"replay of {name}", "replay", "--autopilot", path)
    for cmd in ("dump", "info"):
        c.refuses(f"{cmd} of an empty directory", cmd, empty)
        c.refuses(f"{cmd} of a garbage header", cmd, garbage)


def help_and_usage(c):
    c.helps("--help")
    c.helps("record", "--help")
    c.helps("replay", "--help")
    # Usage errors may print usage text after the error: only "non-zero, no crash" here.
    for what, args in [("no arguments", ()), ("an unknown command", ("frobnicate",)),
                       ("replay without a directory", ("replay", "--autopilot"))]:
        if c.no_crash(what, *args).status == 0:
            c.problems.append(f"{what}: exited 0")


def corrupted_traces(c):
    good = c.tmp / "good"
    r = c.run("record", "-o", good, "--", "/bin/echo", "corrupt me")
    if r.status != 0 or not good.is_dir():
        print("SKIP corrupted-trace cases: `ebb record /bin/echo` did not produce a trace")
        return
    # Replays of corrupted traces mean something only once the good one replays.
    r = c.run("replay", "--autopilot", good, timeout=10)
    replay_works = r.status == 0 and r.stdout == b"corrupt me\n"
    if not replay_works:
        print("SKIP replays of corrupted traces: the uncorrupted trace does not replay yet")
    files = sorted(p.relative_to(good) for p in good.rglob("*") if p.is_file())
    rng = random.Random(9)
    for rel in files[:MAX_CORRUPTED_FILES]:
        size = (good / rel).stat().st_size
        for how in ("truncated", "garbage"):
            bad = c.tmp / f"bad-{how}-{str(rel).replace('/', '_')}"
            shutil.copytree(good, bad, symlinks=True)
            with open(bad / rel, "r+b") as f:
                if how == "truncated":
                    f.truncate(size // 2)
                else:
                    f.seek(size // 3)
                    f.write(rng.randbytes(max(16, size // 3)))
            what = f"{rel} {how}"
            if replay_works:
                c.no_crash(f"replay with {what}", "replay", "--autopilot", bad)
            c.no_crash(f"dump with {what}", "dump", bad)
            c.no_crash(f"info with {what}", "info", bad)
    if replay_works:
        damaged_saved_copies(c, good)


def damaged_saved_copies(c, good):
    """Format v5: an mmap event may name the trace's copy of the file (files/N) instead of
    carrying the bytes. A copy deleted or changed since is a clean refusal naming it."""
    dump = c.run("dump", good)
    names = sorted(set(re.findall(rb"from files/(\d+)", dump.stdout)), key=int)
    if not names and not (good / "files" / "index").exists():
        print("SKIP damaged saved copies: the trace has no files/ (not this ebb's format)")
        return
    if not names:
        c.problems.append("`ebb dump` of `ebb record /bin/echo` names no copy in files/ "
                          "(libc's mappings should)")
        return
    name = names[-1].decode()
    missing = c.tmp / "bad-missing-copy"
    shutil.copytree(good, missing, symlinks=True)
    (missing / "files" / name).unlink()
    c.refuses("replay without a saved copy", "replay", "--autopilot", missing,
              mention=f"missing files/{name}")
    changed = c.tmp / "bad-changed-copy"
    shutil.copytree(good, changed, symlinks=True)
    copy = changed / "files" / name
    copy.chmod(0o644)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xff
    copy.write_bytes(bytes(data))
    c.refuses("replay with a changed saved copy", "replay", "--autopilot", changed,
              mention=f"files/{name} no longer holds")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ebb", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ebb-e2e-bad-input-"))
    (tmp / "home").mkdir()
    (tmp / "plain.txt").write_text("not a program\n")
    c = Checker(os.path.abspath(args.ebb), tmp)
    try:
        not_traces(c)
        help_and_usage(c)
        corrupted_traces(c)
        code = e2e_lib.report(c.problems, [])
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
