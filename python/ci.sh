#!/usr/bin/env bash
# The Python package, as a user gets it (docs/python.md): build the wheel (debug; RELEASE=1 for
# a release build), install it into a fresh virtualenv, run the pytest suite there, and
# `mypy --strict` over docs/python.md's examples (which are also run). The tools are pinned in
# python/requirements-dev.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check --manifest-path python/Cargo.toml
cargo clippy --locked --manifest-path python/Cargo.toml -- -D warnings 2>&1
TOOLS=target/py-tools
[ -x "$TOOLS/bin/maturin" ] || { python3 -m venv "$TOOLS" && "$TOOLS/bin/pip" install -q -r python/requirements-dev.txt; }
rm -rf target/wheels
"$TOOLS/bin/maturin" build --locked -q -m python/Cargo.toml -o target/wheels ${RELEASE:+--release}
VENV=target/py-test
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q target/wheels/entramap-*.whl -r python/requirements-dev.txt
"$VENV/bin/python" -m pytest -q -p no:cacheprovider python/tests
# docs/python.md's ```python blocks, in order, as one program: type-checked, then run.
mkdir -p target/py-docs
"$VENV/bin/python" - <<'PY'
import re, pathlib
text = pathlib.Path("docs/python.md").read_text()
blocks = re.findall(r"```python\n(.*?)```", text, re.S)
pathlib.Path("target/py-docs/examples.py").write_text("\n".join(blocks))
print(f"docs/python.md: {len(blocks)} examples")
PY
"$VENV/bin/mypy" --strict --no-incremental target/py-docs/examples.py
"$VENV/bin/python" target/py-docs/examples.py >/dev/null
echo "python: wheel built, installed in a fresh virtualenv, tests and docs examples passed"
