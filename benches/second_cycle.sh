#!/usr/bin/env bash
# A second provisioning cycle at scale: `map --mapping code42` over N synthetic users against
# the target as the first cycle left it: `--current` holds every user it created (each with
# its department changed, so that nearly every user gets an update) and `--state` its links.
# Prints a Markdown table: reading the target alone (no users), then the cycle at each thread
# count — best wall time of 2 runs, records/s, peak RSS, the serial stage's cost a record —
# and whether every thread count wrote the same bytes.
#
#   benches/second_cycle.sh                # 200,000 users; threads 1 2
#   benches/second_cycle.sh 20000 1 2 4
#   BIN=dir/entramap benches/second_cycle.sh   # a prebuilt binary (no cargo)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
shift || true
THREADS=${*:-1 2}
[ -n "${BIN:-}" ] || cargo build --release --quiet --bin entramap
BIN=${BIN:-target/release/entramap}
DIR=${TMPDIR:-/tmp}/entramap-second-cycle
mkdir -p "$DIR"
DATA=$DIR/users-$N.ndjson
# The first cycle's users, requests and links, and the target as it left it.
. benches/second_cycle_inputs.sh
second_cycle_inputs "$BIN" "$N" "$DIR"
: >"$DIR/none.ndjson"

ROWS=()
# best LABEL USERS THREADS: best wall of 2 runs, its peak RSS and serial ns a record.
best() {
  local label=$1 users=$2 threads=$3 best_wall="" best_rss="" best_serial=""
  for _ in 1 2; do
    /usr/bin/time -f "%e %M" -o "$DIR/time" "$BIN" map --mapping code42 "$users" \
      --current "$DIR/current.ndjson" --state "$DIR/links.ndjson" -q --threads "$threads" \
      --format json -o "$DIR/out.ndjson" 2>"$DIR/err"
    read -r wall rss <"$DIR/time"
    if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then
      best_wall=$wall; best_rss=$rss
      best_serial=$(sed -n 's/.*"serial_ns_per_record":\([0-9.]*\).*/\1/p' "$DIR/err")
    fi
  done
  ROWS+=("$label|$best_wall|$best_rss|$(sha256sum "$DIR/out.ndjson" | cut -c1-12)|${best_serial:--}")
}

best "read --current and --state only (no users)" "$DIR/none.ndjson" 1
for t in $THREADS; do
  best "second cycle, --threads $t" "$DATA" "$t"
done

echo "$N users against $(wc -l <"$DIR/current.ndjson") current ones, $(nproc) cores, $(date -u +%F)"
echo
echo "| run | wall (s) | records/s | peak RSS (MB) | serial stage (ns/record) | output sha256 |"
echo "|---|---:|---:|---:|---:|---|"
for row in "${ROWS[@]}"; do
  IFS='|' read -r label wall rss sha serial <<<"$row"
  awk -v l="$label" -v w="$wall" -v r="$rss" -v n="$N" -v s="$sha" -v c="$serial" \
    'BEGIN{printf "| %s | %.2f | %s | %.0f | %s | %s |\n", l, w, (l ~ /only/ ? "—" : sprintf("%.0f", n/w)), r/1024, c, s}'
done
shas=$(printf '%s\n' "${ROWS[@]:1}" | cut -d'|' -f4 | sort -u | wc -l)
echo
if [ "$shas" = 1 ]; then echo "Every thread count wrote the same bytes."; else echo "Thread counts wrote DIFFERENT bytes."; fi
