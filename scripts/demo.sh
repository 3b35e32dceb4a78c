#!/usr/bin/env bash
# The README's first command: installs the Debian packages, builds ebb, records the bundled
# example (examples/hello.c), deletes the file it read, replays the trace and shows that the
# replay printed exactly what the recording printed. Works from any working directory.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

bash scripts/setup.sh

ebb="build/bin/ebb"
hello="build/examples/hello"
input="build/demo-input.txt"
trace="build/demo-trace"
recorded_out="build/demo-record.out"
replayed_out="build/demo-replay.out"

section() { printf '\n== %s\n' "$*"; }

mkdir -p build/examples
cc -O2 -g -Wall -Wextra -o "$hello" examples/hello.c

printf 'written by demo.sh at %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" >"$input"

section "a native run (time, pid and random bytes change every run)"
"$hello" "$input"

section "ebb record -o $trace -- $hello $input"
rm -rf "$trace"
record_status=0
"$ebb" record -o "$trace" -- "$hello" "$input" >"$recorded_out" || record_status=$?
cat "$recorded_out"
echo "(exit status $record_status)"

section "changing the world: deleting $input"
rm -f "$input"

section "ebb replay --autopilot $trace"
replay_status=0
"$ebb" replay --autopilot "$trace" >"$replayed_out" || replay_status=$?
cat "$replayed_out"
echo "(exit status $replay_status)"

section "diff $recorded_out $replayed_out"
if diff -u "$recorded_out" "$replayed_out"; then
  echo "identical: the replay printed the recorded time, pid, random bytes and file contents"
else
  echo "demo: the replay's output differs from the recording's" >&2
  exit 1
fi
if [[ "$record_status" != "$replay_status" ]]; then
  echo "demo: exit status $replay_status in replay, $record_status when recorded" >&2
  exit 1
fi

section "ebb info $trace"
"$ebb" info "$trace"
