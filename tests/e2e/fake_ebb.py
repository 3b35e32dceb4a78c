#!/usr/bin/env python3
"""A stand-in for ebb with the same command line, used only to test the e2e harness itself
(harness_selftest.py). It does not trace anything: `record` runs the program, tees its output
into the trace directory and `replay` prints it back. FAKE_EBB_BREAK=<flaw> makes it misbehave
in one way so the self-test can check the harness notices:
  stdout  replay drops the last stdout byte     status  replay exits 99
  touch   replay rewrites the files in argv     env     replay runs the program again
  crash   replay dies by SIGSEGV on a trace with no end
"""

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path


def die(msg, code=1):
    print(f"ebb: {msg}", file=sys.stderr)
    sys.exit(code)


def exit_like(status):
    sys.stdout.flush()
    if status < 0:
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    sys.exit(status)


def tee(src, dst_fd, path):
    with open(path, "ab", buffering=0) as f:
        while True:
            chunk = os.read(src.fileno(), 65536)
            if not chunk:
                return
            # Out first, then into the trace: like the real recorder, which records a write
            # after the kernel did it, a trace never holds output that was not printed.
            os.write(dst_fd, chunk)
            f.write(chunk)


def record(argv):
    out = "ebb-trace"
    if argv and argv[0] in ("-h", "--help"):
        print("usage: ebb record [-o DIR] [--] prog args...")
        return 0
    if argv[:1] == ["-o"]:
        out, argv = argv[1], argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        die("record: no program given")
    trace = Path(out)
    trace.mkdir(parents=True)
    (trace / "header").write_text(json.dumps({"magic": "fake-ebb", "argv": argv,
                                              "env": dict(os.environ)}))
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        die(f"cannot run {argv[0]}: {e.strerror}")
    threads = [threading.Thread(target=tee, args=(proc.stdout, 1, trace / "stdout")),
               threading.Thread(target=tee, args=(proc.stderr, 2, trace / "stderr"))]
    for t in threads:
        t.start()
    status = proc.wait()
    for t in threads:
        t.join()
    (trace / "end").write_text(str(status))
    exit_like(status)


def load(trace_dir):
    trace = Path(trace_dir)
    try:
        header = json.loads((trace / "header").read_text())
        if header.get("magic") != "fake-ebb":
            raise ValueError("bad magic")
    except (OSError, ValueError, UnicodeDecodeError) as e:
        die(f"{trace_dir} is not an ebb trace ({type(e).__name__})")
    return trace, header


def replay(argv):
    if argv and argv[0] in ("-h", "--help"):
        print("usage: ebb replay --autopilot DIR")
        return 0
    if argv[:1] != ["--autopilot"] or len(argv) != 2:
        die("replay: expected --autopilot DIR")
    trace, header = load(argv[1])
    flaw = os.environ.get("FAKE_EBB_BREAK", "")
    if flaw == "env":
        exit_like(subprocess.run(header["argv"]).returncode)
    out = (trace / "stdout").read_bytes() if (trace / "stdout").exists() else b""
    err = (trace / "stderr").read_bytes() if (trace / "stderr").exists() else b""
    if flaw == "stdout" and out:
        out = out[:-1]
    if flaw == "touch":
        for a in header["argv"][1:]:
            if os.path.isabs(a) and not os.path.isdir(a):
                Path(a).write_text("touched by replay")
    os.write(1, out)
    os.write(2, err)
    if not (trace / "end").exists():
        if flaw == "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        die("trace ends early (the recorder stopped before the program exited)")
    exit_like(99 if flaw == "status" else int((trace / "end").read_text()))


def dump(argv):
    trace, header = load(argv[0])
    print(f"0 exec {' '.join(header['argv'])}")
    if (trace / "end").exists():
        status = int((trace / "end").read_text())
        print(f"1 exit {status}" if status >= 0 else f"1 exit by signal {-status}")
    return 0


def info(argv):
    trace, header = load(argv[0])
    print(f"program: {header['argv'][0]}")
    print(f"argv: {header['argv']}")
    return 0


def main():
    argv = sys.argv[1:]
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: ebb {record,replay,dump,info} ...")
        return 0 if argv else 1
    commands = {"record": record, "replay": replay, "dump": dump, "info": info}
    if argv[0] not in commands:
        die(f"unknown command {argv[0]!r}")
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
