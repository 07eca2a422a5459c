#!/usr/bin/env bash
# Build and run fuzz targets for SECONDS each (default 600), two at a time (2 cores):
#   fuzz/run.sh                 # every target, 10 minutes each
#   fuzz/run.sh 600 csv decode  # these targets
# Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP lets the stable toolchain
# use the sanitizer flags cargo-fuzz passes. Crashes land in fuzz/artifacts/<target>/; each
# run's last lines (executions, crashes) in fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-600}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(parse eval roundtrip map graph country csv decode json state mapping options batch workbench sync)
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
run() {
  mkdir -p "corpus/$1"
  # `map` and `workbench` start worker threads (rayon's pool, the planner, tokio's blocking
  # pool) on their first input; LeakSanitizer reports those one-time allocations as a leak,
  # so leak detection is off there.
  local leaks=1
  case "$1" in map | workbench) leaks=0 ;; esac
  cargo fuzz run -O "$1" "corpus/$1" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -detect_leaks="$leaks" -print_final_stats=1 >"logs/$1.full.log" 2>&1 || true
  tail -n 12 "logs/$1.full.log" >"logs/$1.log"
}
mkdir -p logs
set -- "${TARGETS[@]}"
while [ $# -gt 0 ]; do
  if [ $# -ge 2 ]; then
    run "$1" & run "$2" & wait
    shift 2
  else
    run "$1"
    shift
  fi
done
grep -H "stat::number_of_executed_units\|Done\|ERROR\|panicked" logs/*.log || true
