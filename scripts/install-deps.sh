#!/usr/bin/env bash
# Installs the system packages physlint needs to build and test (idempotent).
# OpenCV 4.6 + libclang for the opencv crate bindings, ffmpeg for synth clips and the speed bench,
# Chromium for the browser test of report.html, GNU time for the peak-memory bench.
set -euo pipefail
pkgs=(libopencv-dev clang libclang-dev pkg-config ffmpeg libfontconfig1-dev libfreetype6-dev fonts-dejavu-core chromium python3-pip time)
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
# Python packages the tests use as independent consumers of physlint's outputs (JUnit XML).
if ! python3 -c "import junitparser" 2>/dev/null; then
  pip_args=(install --quiet --disable-pip-version-check 'junitparser>=3,<4')
  python3 -m pip "${pip_args[@]}" 2>/dev/null || python3 -m pip "${pip_args[@]}" --break-system-packages
fi
