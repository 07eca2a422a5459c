"""Speed of the Python package against the command it brings (docs/python.md; README,
Performance). Not a test: it prints numbers. Run it in a virtualenv holding a release wheel
(`RELEASE=1 python/ci.sh`, then `target/py-test/bin/python -P python/bench.py [USERS]`: -P keeps python/entramap, the sources, from shadowing the installed package).

* `Mapping.map` over sample users as Python dicts in, request dicts out, against
  `entramap map --threads 1` on the same users (NDJSON file in, /dev/null out); and the same
  with the one pass Python's collector then makes over the new objects;
* `Expression.evaluate` called in a loop, for `ToLower([mail])`.
"""

import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import entramap

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
ENTRAMAP = str(Path(sys.executable).parent / "entramap")


def best(runs: int, f):  # type: ignore[no-untyped-def]
    """The best time of `runs` calls; what a call returns is freed outside the timing."""
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - started)
        del result
    return min(times)


with tempfile.TemporaryDirectory() as tmp:
    users_file = Path(tmp) / "users.ndjson"
    with users_file.open("w") as out:
        subprocess.run([ENTRAMAP, "sample-users", "--count", str(COUNT), "--seed", "1"], stdout=out, check=True)
    users = [json.loads(line) for line in users_file.read_text().splitlines()]

    command = best(3, lambda: subprocess.run(
        [ENTRAMAP, "map", "-m", "code42", str(users_file), "--threads", "1", "-q", "-o", "/dev/null"], check=True))
    code42 = entramap.Mapping("code42")
    python = best(3, lambda: code42.map(users))

    def map_and_collect():  # type: ignore[no-untyped-def]
        # The collector, paused during map, passes once over the new objects at the caller's
        # next allocation; here it is made to at once.
        run = code42.map(users)
        gc.collect(0)
        return run

    collected = best(3, map_and_collect)
    assert code42.map(users[:10]).summary["records"] == 10

    expression = entramap.Expression("ToLower([mail])")
    user = users[0]
    calls = 300_000

    def loop() -> None:
        for _ in range(calls):
            expression.evaluate(user)

    evaluate = best(3, loop)

print(f"{COUNT} sample users, best of 3, {time.strftime('%Y-%m-%d')}\n")
print("| run | seconds | per second |")
print("|---|---:|---:|")
print(f"| `entramap map --threads 1` (the wheel's command) | {command:.2f} | {COUNT / command:,.0f} users |")
print(f"| `Mapping.map(users)`, dicts in and out | {python:.2f} | {COUNT / python:,.0f} users ({command / python:.0%} of the command) |")
print(f"| the same, with the collector's pass over the results | {collected:.2f} | {COUNT / collected:,.0f} users ({command / collected:.0%} of the command) |")
print(f"| `Expression(\"ToLower([mail])\").evaluate(user)` × {calls:,} | {evaluate:.2f} | {calls / evaluate:,.0f} calls |")
