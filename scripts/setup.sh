#!/usr/bin/env bash
# Installs ebb's build and test dependencies from Debian packages, then configures and builds
# ebb into build/. Idempotent: a rerun on a ready machine skips apt entirely and only rebuilds
# what changed. Works from any working directory.
#
#   bash scripts/setup.sh              install (if needed) and build
#   EBB_SKIP_BUILD=1 bash scripts/setup.sh   install only
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# Build: compiler, CMake, Cap'n Proto, zstd, Boost.Program_options, libelf, Zydis (x86 decoding), GoogleTest.
# Tests: gdb and the programs the end-to-end tests record (python3, coreutils, sqlite3, git, make).
packages=(
  build-essential cmake g++ pkg-config
  libcapnp-dev capnproto
  libzstd-dev zstd
  libboost-program-options-dev
  libelf-dev libzydis-dev
  libgtest-dev googletest
  python3 gdb coreutils sqlite3 git make
)

log() { printf 'setup: %s\n' "$*" >&2; }

missing_packages() {
  local pkg status
  for pkg in "${packages[@]}"; do
    # Unknown packages make dpkg-query fail; treat that as "not installed".
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "installed" ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

install_packages() {
  local -a missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    log "all ${#packages[@]} Debian packages already installed"
    return 0
  fi
  log "installing: ${missing[*]}"

  local -a sudo=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
      log "not root and no sudo: install these packages first: ${missing[*]}"
      exit 1
    fi
    sudo=(sudo)
  fi
  # No stdin in CI: nothing may prompt.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq update </dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -y \
    -o Dpkg::Use-Pty=0 --no-install-recommends install "${missing[@]}" </dev/null >/dev/null

  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} != 0)); then
    log "still missing after apt-get install: ${missing[*]}"
    exit 1
  fi
  log "packages installed"
}

build() {
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  log "configuring and building into $repo_root/build (-j$jobs)"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build -j"$jobs"
}

install_packages
if [[ "${EBB_SKIP_BUILD:-0}" == "1" ]]; then
  log "EBB_SKIP_BUILD=1: not building"
  exit 0
fi
build
log "built $repo_root/build/bin/ebb"
