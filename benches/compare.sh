#!/usr/bin/env bash
# Whole-process comparison (jaq's bench.sh style): `entramap map --mapping code42` over N
# synthetic users against a bare serde_json read-and-write pass over the same file, the floor
# for any JSON-in/JSON-out tool. Prints a Markdown table: best wall time of 5 rounds
# (ROUNDS=n to change), records/s, peak RSS, and throughput as a share of the floor.
#
#   benches/compare.sh            # 1,000,000 users (about 600 MB in $TMPDIR)
#   benches/compare.sh 100000
set -euo pipefail
N=${1:-1000000}
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin entramap --example json_floor
BIN=target/release/entramap
FLOOR=target/release/examples/json_floor
DATA=${TMPDIR:-/tmp}/entramap-users-$N.ndjson
[ -s "$DATA" ] || "$BIN" sample-users --count "$N" --seed 1 -o "$DATA"
OUT=${TMPDIR:-/tmp}/entramap-compare-out.ndjson

# Each round runs the three commands once, in turn, so a slow spell on a shared machine hits
# all of them alike; each keeps its best wall time (and that run's peak RSS).
ROUNDS=${ROUNDS:-5}
labels=("serde_json pass (floor)" "entramap map --threads 1" "entramap map --threads 2")
commands=("$FLOOR" "$BIN map --mapping code42 $DATA -q --threads 1 -o $OUT" "$BIN map --mapping code42 $DATA -q --threads 2 -o $OUT")
best_wall=("" "" ""); best_rss=("" "" "")
for _ in $(seq "$ROUNDS"); do
  for i in 0 1 2; do
    # shellcheck disable=SC2086 # the commands are word lists
    /usr/bin/time -f "%e %M" -o /tmp/entramap-time ${commands[$i]} >"$OUT" 2>/dev/null </"$DATA" || true
    read -r wall rss </tmp/entramap-time
    if [ -z "${best_wall[$i]}" ] || awk "BEGIN{exit !($wall < ${best_wall[$i]})}"; then
      best_wall[$i]=$wall; best_rss[$i]=$rss
    fi
  done
done
floor="${labels[0]} ${best_wall[0]} ${best_rss[0]}"
one="${labels[1]} ${best_wall[1]} ${best_rss[1]}"
two="${labels[2]} ${best_wall[2]} ${best_rss[2]}"
floor_wall=$(echo "$floor" | awk '{print $(NF-1)}')
echo "$N users, $(nproc) cores, $(date -u +%F)"
echo
echo "| run | wall (s) | records/s | peak RSS (MB) | throughput vs floor |"
echo "|---|---:|---:|---:|---:|"
for row in "$floor" "$one" "$two"; do
  label=${row% * *}; wall=$(echo "$row" | awk '{print $(NF-1)}'); rss=$(echo "$row" | awk '{print $NF}')
  awk -v l="$label" -v w="$wall" -v r="$rss" -v n="$N" -v f="$floor_wall" \
    'BEGIN{printf "| %s | %.2f | %.0f | %.0f | %.0f%% |\n", l, w, n/w, r/1024, 100*f/w}'
done
