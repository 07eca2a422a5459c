#!/usr/bin/env bash
# Byte identity of `map` between a base commit and this tree: builds both, then compares the
# sha256 of everything `map` writes (requests, and --explain's report on standard error) for
# three mapping sets × two PATCH modes × {plain, --current, --state, --explain} × --threads 1
# and 2, over N synthetic users and the second-cycle inputs `benches/second_cycle.sh` makes
# (the target as a first cycle left it, each department changed, and its links). Prints a
# Markdown table; exits 1 if any output differs.
#
#   benches/identity.sh d67e667            # 300,000 users
#   benches/identity.sh d67e667 20000
#   BASE_BIN=/tmp/entramap-old benches/identity.sh - 20000   # a prebuilt base binary
set -euo pipefail
BASE=${1:?usage: benches/identity.sh BASE-COMMIT [USERS]}
N=${2:-300000}
cd "$(dirname "$0")/.."
DIR=${TMPDIR:-/tmp}/entramap-identity
mkdir -p "$DIR"

if [ -z "${BASE_BIN:-}" ]; then
  # The base commit in a worktree, built into this tree's target folder so that the
  # dependencies are not built again.
  rm -rf "$DIR/base-src"
  git worktree add --detach -f "$DIR/base-src" "$BASE" >/dev/null
  cargo build --release --quiet --bin entramap --manifest-path "$DIR/base-src/Cargo.toml" --target-dir target
  cp target/release/entramap "$DIR/entramap-base"
  git worktree remove --force "$DIR/base-src"
  BASE_BIN=$DIR/entramap-base
fi
cargo build --release --quiet --bin entramap
cp target/release/entramap "$DIR/entramap-new"
NEW_BIN=$DIR/entramap-new

# The second-cycle inputs, as benches/second_cycle.sh makes them (by the base binary).
DATA=$DIR/users-$N.ndjson
. benches/second_cycle_inputs.sh
second_cycle_inputs "$BASE_BIN" "$N" "$DIR"

# digest BIN ARGS...: sha256 of what one run writes, requests then standard error (its
# speed, "(123456 records/s)", left out, and what a base from before these existed cannot say:
# that its state file has no closing record, and the mapping set's lints printed before a run).
digest() {
  local bin=$1
  shift
  "$bin" map "$@" -q -o "$DIR/out.ndjson" 2>"$DIR/err.txt" || true
  sed -E 's/ \([0-9.]+ records\/s\)//' "$DIR/err.txt" |
    grep -v -e '^warning: .* has no closing record' -e '^warning\[' -e '^note: `entramap check -m' |
    cat "$DIR/out.ndjson" - | sha256sum | cut -c1-16
}

echo "$N users, base $BASE, $(date -u +%F)"
echo
echo "| mapping | PATCH mode | run | threads | base sha256 | this tree | |"
echo "|---|---|---|---:|---|---|---|"
differ=0
for mapping in code42 scim-default code42-country-expression; do
  for mode in legacy-scim aadOptscim062020; do
    for run in plain current state explain; do
      case $run in
        plain) extra=() ;;
        current) extra=(--current "$DIR/current.ndjson") ;;
        state) extra=(--state "$DIR/links.ndjson") ;;
        explain) extra=(--explain --current "$DIR/current.ndjson" --state "$DIR/links.ndjson") ;;
      esac
      for threads in 1 2; do
        args=(--mapping "$mapping" "$DATA" --option "patch_mode=$mode" --threads "$threads" "${extra[@]}")
        old=$(digest "$BASE_BIN" "${args[@]}")
        new=$(digest "$NEW_BIN" "${args[@]}")
        same=same
        if [ "$old" != "$new" ]; then same=DIFFERENT; differ=1; fi
        echo "| $mapping | $mode | $run | $threads | $old | $new | $same |"
      done
    done
  done
done
echo
if [ "$differ" = 0 ]; then echo "Every run wrote the same bytes."; else echo "Some runs wrote DIFFERENT bytes."; fi
exit "$differ"
