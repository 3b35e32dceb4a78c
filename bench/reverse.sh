#!/usr/bin/env bash
# How going back grows with the length of the recording: bench/rev_loop.c
# runs S seconds of syscall-free compute between start() and finish(); the
# replay is debugged in gdb, which measures in one session:
#   - the replay from the start to finish() (`continue`),
#   - `reverse-stepi` there (traces recorded with --ticks=soft only: without
#     a clock, stepping back over a long syscall-free stretch is refused),
#   - `reverse-continue` to the breakpoint on start(), back across the loop,
# and prints each as a multiple of the replay to finish().
#
#   bash bench/reverse.sh [SECONDS...]     (default: 1 10)
#   EBB_BENCH_TICKS=none bash bench/reverse.sh 100   (100 s without the clock: ~8 minutes)
#
# Noisy shared machines: compare the ratios of one run. Nothing here is a test.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out="$repo_root/build/bench"
mkdir -p "$out/traces"
seconds=("$@")
[[ ${#seconds[@]} -gt 0 ]] || seconds=(1 10)

cc -O2 -g -o "$out/rev_loop" "$repo_root/bench/rev_loop.c"

cat >"$out/reverse.py" <<'PY'
import time
import gdb

def timed(command):
    begin = time.monotonic()
    text = gdb.execute(command, to_string=True)
    return time.monotonic() - begin, text

gdb.execute("break finish", to_string=True)
to_end, _ = timed("continue")
at_finish = int(gdb.parse_and_eval("$pc"))
try:
    step, _ = timed("reverse-stepi")
    if int(gdb.parse_and_eval("$pc")) == at_finish:
        step = -step  # refused (and brought back): the time it took to say so
    else:
        gdb.execute("stepi", to_string=True)
except gdb.error:
    step = -0.0001
gdb.execute("delete", to_string=True)
gdb.execute("break start", to_string=True)
back, _ = timed("reverse-continue")
where = gdb.selected_frame().name() or "elsewhere"
print("RESULT to-end %.4f reverse-stepi %.4f reverse-continue %.4f %s" % (to_end, step, back, where))
gdb.execute("kill", to_string=True)
PY

# Rounds per second of native compute, measured once.
calibration=200000000
begin=$(date +%s.%N)
"$out/rev_loop" "$calibration" >/dev/null
native=$(awk -v b="$begin" -v e="$(date +%s.%N)" 'BEGIN { print e - b }')
per_second=$(awk -v r="$calibration" -v t="$native" 'BEGIN { printf "%.0f\n", r / t }')

printf '%-8s %-6s %8s %12s %14s %16s %8s %8s\n' seconds ticks native "to finish()" "reverse-stepi" "reverse-continue" "rs/to" "rc/to"
for s in "${seconds[@]}"; do
  rounds=$(awk -v p="$per_second" -v s="$s" 'BEGIN { printf "%.0f\n", p * s }')
  begin=$(date +%s.%N)
  "$out/rev_loop" "$rounds" >/dev/null
  native=$(awk -v b="$begin" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2fs\n", e - b }')
  for ticks in ${EBB_BENCH_TICKS:-none soft}; do
    trace="$out/traces/rev_loop-$s-$ticks"
    rm -rf "$trace"
    "$ebb" record --ticks="$ticks" -o "$trace" -- "$out/rev_loop" "$rounds" >/dev/null 2>&1
    line="$("$ebb" replay "$trace" -- -nx -batch -x "$out/reverse.py" 2>/dev/null | grep '^RESULT' || true)"
    if [[ -z "$line" ]]; then
      printf '%-8s %-6s %8s %12s\n' "$s" "$ticks" "$native" fail
      continue
    fi
    read -r _ _ to_end _ step _ back where <<<"$line"
    printf '%-8s %-6s %8s %11.2fs %13s %15.2fs %8s %8s  (%s)\n' "$s" "$ticks" "$native" "$to_end" \
      "$(awk -v x="$step" 'BEGIN { if (x < 0) printf "refused %.0fs\n", -x; else printf "%.2fs\n", x }')" "$back" \
      "$(awk -v a="$step" -v b="$to_end" 'BEGIN { if (a < 0) print "-"; else printf "%.2f\n", a / b }')" \
      "$(awk -v a="$back" -v b="$to_end" 'BEGIN { printf "%.2f\n", a / b }')" "$where"
  done
done
