#!/usr/bin/env bash
# How much going back costs: a replay of bench/syscall_heavy.c (many events) and of
# bench/compute.c (64 MiB of memory), each debugged in gdb, measures in one session:
#   - the replay from the start to the end of the program (to `exit`),
#   - `monitor checkpoint` there,
#   - `monitor restart 1` (back to that checkpoint, from a later point),
# and prints the ratio of a restart to the replay it saves.
#
#   bash bench/checkpoints.sh    (after scripts/setup.sh has built build/bin/ebb)
#
# Noisy shared machines: compare the ratios of one run. Nothing here is a test.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out="$repo_root/build/bench"
mkdir -p "$out/traces"

cat >"$out/checkpoints.py" <<'PY'
import time
import gdb

def timed(command):
    start = time.monotonic()
    gdb.execute(command, to_string=True)
    return time.monotonic() - start

gdb.execute("break _exit", to_string=True)
to_end = timed("continue")
made = timed("monitor checkpoint")
gdb.execute("delete", to_string=True)
restart = timed("monitor restart 1")
print("RESULT replay-to-end %.4f checkpoint %.4f restart %.4f" % (to_end, made, restart))
gdb.execute("kill", to_string=True)
PY

printf '%-32s %14s %12s %12s %14s\n' benchmark "replay to end" checkpoint restart "restart/replay"
for entry in "syscall_heavy|20000" "compute|65536"; do
  name="${entry%%|*}"
  arg="${entry##*|}"
  cc -O2 -g -o "$out/$name" "$repo_root/bench/$name.c"
  trace="$out/traces/$name-ckpt"
  rm -rf "$trace"
  "$ebb" record -o "$trace" -- "$out/$name" "$arg" >/dev/null 2>&1
  line="$("$ebb" replay "$trace" -- -nx -batch -x "$out/checkpoints.py" 2>/dev/null | grep '^RESULT' || true)"
  if [[ -z "$line" ]]; then
    printf '%-32s %14s\n' "$name ($arg)" fail
    continue
  fi
  read -r _ _ to_end _ made _ restart <<<"$line"
  printf '%-32s %13.3fs %11.4fs %11.4fs %14s\n' "$name ($arg)" "$to_end" "$made" "$restart" \
    "$(awk -v a="$restart" -v b="$to_end" 'BEGIN { printf "%.4f\n", a / b }')"
done
