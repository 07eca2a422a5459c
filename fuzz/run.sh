#!/usr/bin/env bash
# Build and run every fuzz target for SECONDS each (default 600), two at a time.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP lets the stable toolchain
# use the sanitizer flags cargo-fuzz passes. Crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-600}
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
run() {
  mkdir -p "corpus/$1"
  # `map` starts worker threads (rayon's pool, the planner thread) on its first input;
  # LeakSanitizer reports those one-time allocations as a leak, so leak detection is off there.
  local leaks=1
  [ "$1" = map ] && leaks=0
  cargo fuzz run -O "$1" "corpus/$1" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -detect_leaks="$leaks" -print_final_stats=1 2>&1 | tail -n 12 > "logs/$1.log"
}
mkdir -p logs
for pair in "parse eval" "roundtrip map" "graph country" "csv decode"; do
  set -- $pair
  run "$1" & run "$2" & wait
done
grep -H "stat::number_of_executed_units\|Done\|ERROR\|crash" logs/*.log || true
