# Sourced by benches/second_cycle.sh and benches/identity.sh: the inputs of a second cycle.
# second_cycle_inputs BIN N DIR writes, in DIR: users-N.ndjson (`sample-users --seed 1`), the
# first cycle's requests (first.ndjson) and links (links.ndjson), and the target as the first
# cycle left it (current.ndjson: each POST /Users body with the id it was given — user-0001,
# … in the order of the POSTs — its department changed, so that nearly every user gets an
# update).
second_cycle_inputs() {
  local bin=$1 n=$2 dir=$3
  [ -s "$dir/users-$n.ndjson" ] || "$bin" sample-users --count "$n" --seed 1 -o "$dir/users-$n.ndjson"
  "$bin" map --mapping code42 "$dir/users-$n.ndjson" -q -o "$dir/first.ndjson" --state-out "$dir/links.ndjson" 2>/dev/null
  awk -v prefix='{"method":"POST","path":"/Users","body":{' '
    index($0, prefix) == 1 {
      n++
      body = substr($0, length(prefix) + 1, length($0) - length(prefix) - 1)
      gsub(/"department":"/, "\"department\":\"Old ", body)
      printf "{\"id\":\"user-%04d\",%s\n", n, body
    }' "$dir/first.ndjson" >"$dir/current.ndjson"
}
