#!/usr/bin/env bash
# First benchmark of ebb: a syscall-heavy and a compute-bound program, each run natively,
# under `ebb record --ticks=none` (also with `--ticks=soft`, what the default picks here: the
# soft_s column), under `ebb replay --autopilot` and under gdb's `record full`, in this one run,
# side by side. Prints the median of
# BENCH_REPEAT runs (default 3) and the ratios to native.
#
#   bash bench/run.sh                  (after scripts/setup.sh has built build/bin/ebb)
#   BENCH_REPEAT=5 bash bench/run.sh   more repetitions
#   BENCH_SKIP_GDB=1 bash bench/run.sh skip the slow gdb `record full` column
#
# Timings on shared machines are noisy: compare the ratios of one run, never absolute times
# across runs. Nothing here is a test: no timing is ever asserted.
set -euo pipefail
export LC_ALL=C  # "." as the decimal separator in $EPOCHREALTIME and awk

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

repeat="${BENCH_REPEAT:-3}"
skip_gdb="${BENCH_SKIP_GDB:-0}"
ebb="$repo_root/build/bin/ebb"
out="$repo_root/build/bench"
log="$out/bench.log"

# name | argument of the full run | argument of the gdb `record full` run (far smaller: record
# full single-steps every instruction, thousands of times slower than native).
benches=(
  "syscall_heavy|200000|400"
  "compute|65536|4"
)

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[[ -x "$ebb" ]] || die "$ebb not found: run 'bash scripts/setup.sh' first"
if [[ "$skip_gdb" != "1" ]] && ! command -v gdb >/dev/null 2>&1; then
  die "gdb not found: run 'bash scripts/setup.sh' (or set BENCH_SKIP_GDB=1)"
fi
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT must be a positive integer"

mkdir -p "$out/traces"
: >"$log"
for entry in "${benches[@]}"; do
  name="${entry%%|*}"
  cc -O2 -g -Wall -Wextra -o "$out/$name" "bench/$name.c"
done

# time_once STDOUT_FILE CMD...: runs CMD (stderr to the log), prints its wall time in seconds;
# fails if CMD fails.
time_once() {
  local stdout_file="$1" start end rc=0
  shift
  start="$EPOCHREALTIME"
  "$@" >"$stdout_file" 2>>"$log" </dev/null || rc=$?
  end="$EPOCHREALTIME"
  if ((rc != 0)); then
    printf 'bench: exit status %d from: %s\n' "$rc" "$*" >>"$log"
    return 1
  fi
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f\n", e - s }'
}

median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# run_mode NAME MODE ARG: prints the median time of `repeat` runs, or "fail".
run_mode() {
  local name="$1" mode="$2" arg="$3" bin="$out/$1" trace="$out/traces/$1"
  local stdout_file="$out/$name.$mode.out" t i
  local -a times=() cmd=()
  for ((i = 0; i < repeat; i++)); do
    case "$mode" in
      native) cmd=("$bin" "$arg") ;;
      record)
        rm -rf "$trace"
        cmd=("$ebb" record --ticks=none -o "$trace" -- "$bin" "$arg")
        ;;
      replay) cmd=("$ebb" replay --autopilot "$trace") ;;
      soft)
        rm -rf "$trace-soft"
        cmd=("$ebb" record --ticks=soft -o "$trace-soft" -- "$bin" "$arg")
        ;;
      gdb)
        # Pinned to one CPU like ebb (a single step costs ~4x more when gdb and the
        # program sit on different CPUs), so gdb is measured at its best.
        cmd=(taskset -c 0 gdb -batch -nx
          -ex 'set record full insn-number-max unlimited'
          -ex 'break main' -ex run -ex 'record full' -ex continue
          --args "$bin" "$arg")
        ;;
    esac
    if ! t="$(time_once "$stdout_file" "${cmd[@]}")"; then
      echo fail
      return 0
    fi
    if [[ "$mode" == gdb ]] && grep -q 'Process record does not support\|Process record: failed' "$stdout_file"; then
      echo "bench: gdb record full could not record $name: see $stdout_file" >>"$log"
      echo fail
      return 0
    fi
    times+=("$t")
  done
  median "${times[@]}"
}

# ratio A B: A/B with two decimals, or "-" when either is missing.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "fail" || b == "fail" || a == "-" || b == "-" || b <= 0) { print "-"; exit }
    r = a / b; if (r >= 100) printf "%.0fx\n", r; else printf "%.2fx\n", r }'
}

same_output() {  # same_output NAME MODE: the program printed what it printed natively
  cmp -s "$out/$1.native.out" "$out/$1.$2.out"
}

echo "ebb benchmark: median of $repeat run(s) each; $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "ebb: $("$ebb" --version 2>/dev/null | head -1 || true)"
echo

rows=()
notes=()
for entry in "${benches[@]}"; do
  IFS='|' read -r name full_arg gdb_arg <<<"$entry"
  echo "running $name ($full_arg) ..." >&2
  native="$(run_mode "$name" native "$full_arg")"
  record="$(run_mode "$name" record "$full_arg")"
  soft="$(run_mode "$name" soft "$full_arg")"
  replay="-"
  if [[ "$record" != fail ]]; then
    replay="$(run_mode "$name" replay "$full_arg")"
    same_output "$name" record || notes+=("$name: output under ebb record differs from native")
    if [[ "$replay" != fail ]] && ! same_output "$name" replay; then
      notes+=("$name: output under ebb replay differs from native")
    fi
  fi

  gdb_est="-"
  if [[ "$skip_gdb" != "1" ]]; then
    # gdb's fixed cost (start-up, the program's exit path under record full) is measured with
    # an argument of 0 and subtracted; the rest is scaled from gdb_arg to full_arg.
    gdb_zero="$(run_mode "$name" gdb 0)"
    gdb_small="$(run_mode "$name" gdb "$gdb_arg")"
    gdb_est="$(awk -v z="$gdb_zero" -v s="$gdb_small" -v n="$gdb_arg" -v f="$full_arg" 'BEGIN {
      if (z == "fail" || s == "fail" || s <= z) { print "fail"; exit }
      printf "%.3f\n", (s - z) / n * f }')"
    notes+=("$name: gdb record full ran with $gdb_arg instead of $full_arg ($gdb_small s; $gdb_zero s with 0); its time is (t($gdb_arg) - t(0)) x $full_arg/$gdb_arg, an estimate")
  fi

  rows+=("$(printf '%-14s %10s %10s %10s %10s %12s %14s %14s %12s %16s %16s' "$name" "$native" "$record" "$soft" \
    "$replay" "$gdb_est" "$(ratio "$record" "$native")" "$(ratio "$replay" "$native")" \
    "$(ratio "$soft" "$native")" "$(ratio "$gdb_est" "$native")" "$(ratio "$gdb_est" "$soft")")")
done

printf '%-14s %10s %10s %10s %10s %12s %14s %14s %12s %16s %16s\n' benchmark native_s record_s soft_s \
  replay_s gdb_full_s record/native replay/native soft/native gdb_full/native gdb_full/soft
for row in "${rows[@]}"; do printf '%s\n' "$row"; done
echo
for note in "${notes[@]}"; do printf 'note: %s\n' "$note"; done
echo "note: ebb pins itself and the program to one CPU; the native runs are not pinned; gdb runs under taskset -c 0."
echo "details and errors: $log"
for row in "${rows[@]}"; do
  if [[ "$row" == *" fail "* || "$row" == *" fail" ]]; then
    echo "bench: some runs failed (see $log)" >&2
    exit 1
  fi
done
