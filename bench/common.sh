# Sourced by the bench scripts: strict mode, "." as the decimal separator,
# and where things are. Sets repo_root and ebb, and exits when ebb is not built.
set -euo pipefail
export LC_ALL=C

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ebb="$repo_root/build/bin/ebb"
[[ -x "$ebb" ]] || { echo "bench: $ebb not found: run 'bash scripts/setup.sh' first" >&2; exit 1; }
