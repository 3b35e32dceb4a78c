#!/usr/bin/env python3
"""A recorded process talking to a local server outside the recording: its replies come from
the trace.

Starts a TCP server in a thread on 127.0.0.1 (ephemeral port) that answers each connection's
request line with "pong NONCE" (a fresh random nonce), records the tcp_client tracee against
it, and checks the recording printed the nonce and the server saw "ping". Then shuts the server
down, makes sure the port refuses connections, and replays: stdout and stderr must equal the
recording's byte for byte (the nonce can only come from the trace) and the exit status be 0.

Usage: outside_server.py --ebb BUILD/bin/ebb --tracee BUILD/tracees/tracee_tcp_client
"""
import argparse
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HOST = "127.0.0.1"
STEP_TIMEOUT = 60  # seconds, per ebb command
IO_TIMEOUT = 10  # seconds, per socket operation in the server


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=STEP_TIMEOUT,
                          stdin=subprocess.DEVNULL, **kw)


class Server:
    """Answers each connection's first line with `pong NONCE\\n`, then closes it."""

    def __init__(self, nonce):
        self.reply = f"pong {nonce}\n".encode()
        self.requests = []  # the request lines received, one per connection
        self.errors = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind((HOST, 0))
        self.listener.listen(4)
        self.listener.settimeout(0.2)  # so the loop sees `stopping` promptly
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="outside-server", daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError as e:
                if not self.stopping.is_set():
                    self.errors.append(f"accept: {e}")
                return
            with conn:
                try:
                    conn.settimeout(IO_TIMEOUT)
                    data = b""
                    while not data.endswith(b"\n") and len(data) < 1024:
                        chunk = conn.recv(1024)
                        if not chunk:
                            break
                        data += chunk
                    self.requests.append(data)
                    conn.sendall(self.reply)
                except OSError as e:
                    self.errors.append(f"connection: {e}")

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=IO_TIMEOUT + 5)
        self.listener.close()
        return not self.thread.is_alive()


def port_refuses(port):
    """True if nothing listens on HOST:port any more."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        try:
            s.connect((HOST, port))
        except ConnectionRefusedError:
            return True
        except OSError:
            return False
        return False


def show(what, r):
    print(f"--- {what}: exit {r.returncode}")
    print("stdout:", r.stdout.decode(errors="replace"), end="" if r.stdout.endswith(b"\n") else "\n")
    print("stderr:", r.stderr.decode(errors="replace"), end="" if r.stderr.endswith(b"\n") else "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ebb", required=True)
    ap.add_argument("--tracee", required=True)
    args = ap.parse_args()
    problems = []
    nonce = secrets.token_hex(8)
    with tempfile.TemporaryDirectory(prefix="ebb-e2e-outside-server-") as tmp:
        trace = str(Path(tmp) / "trace")
        server = Server(nonce)
        try:
            rec = run([args.ebb, "record", "-o", trace, "--", args.tracee, str(server.port)])
        finally:
            stopped = server.stop()
        want = f"client got: pong {nonce}\n".encode()
        if rec.returncode != 0 or rec.stdout != want:
            show("record", rec)
            print(f"FAIL: record: expected exit 0 and stdout {want!r}")
            return 1
        if server.requests != [b"ping\n"]:
            problems.append(f"server received {server.requests}, expected one b'ping\\n'")
        if server.errors:
            problems.append(f"server errors: {server.errors}")
        if not stopped:
            problems.append("the server thread did not stop")
        if not port_refuses(server.port):
            print(f"FAIL: port {server.port} still accepts connections after shutdown")
            return 1

        rep = run([args.ebb, "replay", "--autopilot", trace])
        if rep.returncode != 0:
            problems.append(f"replay exited {rep.returncode}, record exited 0")
        if rep.stdout != rec.stdout:
            problems.append(f"replay stdout {rep.stdout!r} != record stdout {rec.stdout!r}")
        if rep.stderr != rec.stderr:
            problems.append(f"replay stderr {rep.stderr!r} != record stderr {rec.stderr!r}")
        if len(server.requests) != 1:
            problems.append(f"the server saw {len(server.requests)} connections")
        if problems:
            show("record", rec)
            show("replay", rep)
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"PASS: replay printed the nonce {nonce} from the trace, with the server gone")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
