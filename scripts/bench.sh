#!/usr/bin/env bash
# Builds Sluice in release and prints benchmark figures (kept in docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 || echo "wrk unavailable: using the built-in load generator"
fi
cargo build --release -p sluice -p sluice-bench
exec target/release/sluice-bench --sluice target/release/sluice "${@:-all}"
