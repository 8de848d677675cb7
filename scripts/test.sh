#!/usr/bin/env bash
# Runs the whole test suite (installs system packages first). Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cargo fmt --check
cargo clippy --release --all-targets -- -D warnings
cargo test --release
