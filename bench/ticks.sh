#!/usr/bin/env bash
# The soft tick clock's cost: compute-bound programs run natively, under `ebb record
# --ticks=soft`, `ebb replay --autopilot` of that trace, and `ebb record` without ticks, side by
# side in one run (median of BENCH_REPEAT runs, default 3), with the ratios to native.
#
#   bash bench/ticks.sh        (after scripts/setup.sh has built build/bin/ebb)
#
# Noisy shared machines: compare the ratios of one run. Nothing here is a test.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out="$repo_root/build/bench/ticks"
repeat="${BENCH_REPEAT:-3}"
mkdir -p "$out"
cc -O2 -o "$out/compute" "$repo_root/bench/compute.c"
cc -O2 -o "$out/fib" "$repo_root/bench/fib.c"
head -c 50000000 /dev/urandom | base64 >"$out/gzip-input"
printf 'n = 0\nfor i in range(3000000):\n    n += i * i\nprint(n)\n' >"$out/loop.py"

# name | command
benches=(
  "tight loop + 64 MiB hash|$out/compute 65536"
  "recursive fib(32)|$out/fib 32"
  "python3 pure loop|python3 $out/loop.py"
  "gzip 66 MB|gzip -c $out/gzip-input"
)

seconds() {  # seconds CMD...: wall time of one run, output discarded
  local start end
  start="$EPOCHREALTIME"
  "$@" >/dev/null 2>&1 </dev/null || return 1
  end="$EPOCHREALTIME"
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f\n", e - s }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
timed() {  # timed CMD...: the median of `repeat` runs
  local -a t=()
  for ((i = 0; i < repeat; i++)); do t+=("$(seconds "$@" || echo fail)"); done
  median "${t[@]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "fail" || b <= 0) print "-"; else printf "%.2fx\n", a / b }'; }

printf '%-28s %9s %18s %18s %18s\n' benchmark native "record (no ticks)" "record --ticks=soft" "replay (soft)"
for entry in "${benches[@]}"; do
  name="${entry%%|*}"
  cmd="${entry#*|}"
  native="$(timed bash -c "$cmd")"
  plain="$(timed bash -c "rm -rf $out/trace-plain; $ebb record -o $out/trace-plain -- bash -c \"exec $cmd\"")"
  soft="$(timed bash -c "rm -rf $out/trace-soft; $ebb record --ticks=soft -o $out/trace-soft -- bash -c \"exec $cmd\"")"
  replay="$(timed "$ebb" replay --autopilot "$out/trace-soft")"
  printf '%-28s %8.3fs %9.3fs %7s %9.3fs %7s %9.3fs %7s\n' "$name" "$native" "$plain" "$(ratio "$plain" "$native")" \
    "$soft" "$(ratio "$soft" "$native")" "$replay" "$(ratio "$replay" "$native")"
done
