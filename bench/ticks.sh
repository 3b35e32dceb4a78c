#!/usr/bin/env bash
# The soft tick clock's cost: compute-bound programs run natively, under `ebb record
# --ticks=none`, under `ebb record --ticks=soft` (what the default, auto, picks without a PMU),
# and `ebb replay --autopilot` of the soft trace, side by side in one run (median of
# BENCH_REPEAT runs, default 3), with the ratios to native and replay's time against the
# recording's own. Each program is recorded once before it is timed, so the scan cache
# (docs/ticks.md) is warm, as for any program recorded before; the first row (/bin/true) is the
# fixed start-up cost, and the last line the cold cost of python3 (an empty cache).
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
printf 'n = 0\nfor i in range(10000000):\n    n += i * i\nprint(n)\n' >"$out/loop.py"
# The interpreter itself, not a wrapper script in front of it (pyenv's shims exec bash dozens
# of times before Python starts).
python="$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')"
# Debian's own interpreter (what `apt install python3` gives: statically linked libpython) and,
# when PATH finds another first (pyenv here: a shared libpython, PIC), that one too.
debian_python="$(readlink -f /usr/bin/python3 2>/dev/null || true)"

# name | command
benches=(
  "start-up: /bin/true|/bin/true"
  "tight loop + hash, 256 MiB|$out/compute 262144"
  "recursive fib(42)|$out/fib 42"
  "python3 loop, PATH's (10M)|$python $out/loop.py"
  "gzip of 66 MB|gzip -c $out/gzip-input"
)

if [[ -x "$debian_python" && "$debian_python" != "$python" ]]; then
  benches+=("python3 loop, Debian's (10M)|$debian_python $out/loop.py")
fi

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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "fail" || b == "fail" || b <= 0) print "-"; else printf "%.2fx\n", a / b }'; }

printf '%-30s %9s %18s %18s %18s %14s\n' benchmark native "record --ticks=none" "record --ticks=soft" \
  "replay (soft)" "replay/record"
for entry in "${benches[@]}"; do
  name="${entry%%|*}"
  cmd="${entry#*|}"
  # shellcheck disable=SC2086  # cmd is a command line
  rm -rf "$out/trace-soft" && "$ebb" record --ticks=soft -o "$out/trace-soft" -- $cmd >/dev/null 2>&1 </dev/null || true
  # shellcheck disable=SC2086
  native="$(timed taskset -c 0 $cmd)"
  plain="$(timed bash -c "rm -rf $out/trace-plain; exec $ebb record --ticks=none -o $out/trace-plain -- $cmd")"
  soft="$(timed bash -c "rm -rf $out/trace-soft; exec $ebb record --ticks=soft -o $out/trace-soft -- $cmd")"
  replay="$(timed "$ebb" replay --autopilot "$out/trace-soft")"
  printf '%-30s %8.3fs %9.3fs %7s %9.3fs %7s %9.3fs %7s %14s\n' "$name" "$native" "$plain" "$(ratio "$plain" "$native")" \
    "$soft" "$(ratio "$soft" "$native")" "$replay" "$(ratio "$replay" "$native")" "$(ratio "$replay" "$soft")"
done

cold="$(mktemp -d)"
cold_s="$(EBB_CACHE_DIR="$cold" seconds bash -c "rm -rf $out/trace-cold; exec $ebb record --ticks=soft -o $out/trace-cold -- $python -c pass")"
warm_s="$(timed bash -c "rm -rf $out/trace-cold; exec $ebb record --ticks=soft -o $out/trace-cold -- $python -c pass")"
rm -rf "$cold"
printf '\npython3 -c pass under record --ticks=soft: %ss with an empty scan cache, %ss warm\n' "$cold_s" "$warm_s"
