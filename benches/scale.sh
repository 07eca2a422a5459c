#!/usr/bin/env bash
# Scale-out of `entramap map --mapping code42` over N synthetic users (default 2,000,000,
# about 1.2 GB, generated on the machine it runs on): the I/O floor (split lines and copy),
# a single-thread serde_json::Value read+write pass, then `map` at each thread count, each
# the best wall time of 2 runs, with peak RSS; and whether every thread count wrote the same
# bytes. Prints a Markdown table (README, Performance).
#
#   benches/scale.sh                      # 2,000,000 users; threads 1 2 4 8 15 16
#   benches/scale.sh 200000 1 2           # smaller, fewer thread counts
#   BIN=dir/entramap FLOOR=dir/json_floor benches/scale.sh   # prebuilt binaries (no cargo)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000000}
shift || true
THREADS=${*:-1 2 4 8 15 16}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin entramap --example json_floor
fi
BIN=${BIN:-target/release/entramap}
FLOOR=${FLOOR:-target/release/examples/json_floor}
DIR=${TMPDIR:-/tmp}/entramap-scale
mkdir -p "$DIR"
DATA=$DIR/users-$N.ndjson
[ -s "$DATA" ] || "$BIN" sample-users --count "$N" --seed 1 -o "$DATA"
OUT=$DIR/out.ndjson

# best LABEL CMD...: best wall of 2 runs, its peak RSS, and (for map, which prints its summary
# as JSON) its serial stage's ns per record; stdin is the data, stdout the output.
best() {
  local label=$1; shift
  local best_wall="" best_rss="" best_serial=""
  for _ in 1 2; do
    /usr/bin/time -f "%e %M" -o "$DIR/time" "$@" <"$DATA" >"$OUT" 2>"$DIR/err"
    read -r wall rss <"$DIR/time"
    if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then
      best_wall=$wall; best_rss=$rss
      best_serial=$(sed -n 's/.*"serial_ns_per_record":\([0-9.]*\).*/\1/p' "$DIR/err")
    fi
  done
  ROWS+=("$label|$best_wall|$best_rss|$(sha256sum "$OUT" | cut -c1-12)|${best_serial:--}")
}

ROWS=()
best "line split + copy (I/O floor)" "$FLOOR" --lines
best "serde_json::Value parse + write, 1 thread" "$FLOOR"
for t in $THREADS; do
  best "map --mapping code42 --threads $t" "$BIN" map --mapping code42 "$DATA" -q --threads "$t" --format json
done
rm -f "$OUT"

echo "$N users ($(du -m "$DATA" | cut -f1) MB), $(nproc) cores: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(date -u +%F)"
echo
echo "| run | wall (s) | records/s | peak RSS (MB) | vs serde_json pass | serial stage (ns/record) | output sha256 |"
echo "|---|---:|---:|---:|---:|---:|---|"
serde_wall=$(echo "${ROWS[1]}" | cut -d'|' -f2)
for row in "${ROWS[@]}"; do
  IFS='|' read -r label wall rss sha serial <<<"$row"
  awk -v l="$label" -v w="$wall" -v r="$rss" -v n="$N" -v f="$serde_wall" -v s="$sha" -v c="$serial" \
    'BEGIN{printf "| %s | %.2f | %.0f | %.0f | %.2f× | %s | %s |\n", l, w, n/w, r/1024, f/w, c, s}'
done
maps=$(printf '%s\n' "${ROWS[@]}" | grep '^map ' | cut -d'|' -f4 | sort -u | wc -l)
echo
if [ "$maps" = 1 ]; then echo "Every thread count wrote the same bytes."; else echo "OUTPUT DIFFERS between thread counts"; exit 1; fi
