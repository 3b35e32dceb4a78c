#!/usr/bin/env bash
# Sets the machine up (Debian packages, build) and runs the whole test suite with ctest.
# Exits with ctest's status. Works from any working directory.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

bash scripts/setup.sh

# --no-tests=error: a build that registered no test is a failure, not a silent pass.
status=0
ctest --test-dir build --output-on-failure -j2 --timeout 300 --no-tests=error || status=$?
exit "$status"
