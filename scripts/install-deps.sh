#!/usr/bin/env bash
# Installs the system packages physlint needs to build and test (idempotent).
# OpenCV 4.6 + libclang for the opencv crate bindings, ffmpeg for test clips and the speed bench.
set -euo pipefail
pkgs=(libopencv-dev clang libclang-dev pkg-config ffmpeg libfontconfig1-dev libfreetype6-dev fonts-dejavu-core)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
