#!/usr/bin/env bash
# Benchmarks, side by side with what users would run instead: `bash scripts/bench.sh`.
# Builds release, then prints one table (scripts/bench.py). Ratios matter more than absolute
# times on a noisy 2-core machine. Everything runs on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
cargo build --release --quiet
cargo bench --no-run --quiet --bench throughput 2>/dev/null
throughput=$(ls -t target/release/deps/throughput-* | grep -v '\.d$' | head -1)
if [ ! -x .build/venv/bin/python ]; then
  python3 -m venv .build/venv
fi
.build/venv/bin/pip install --quiet --disable-pip-version-check 'PyJWT==2.15.1' 'cryptography==50.0.2' 'jsonschema==4.23.0'
command -v tmux >/dev/null || { echo "bench: tmux is needed for the wizard rows" >&2; exit 1; }
command -v envsubst >/dev/null || { echo "bench: envsubst (gettext-base) is needed for the render floor" >&2; exit 1; }
python3 scripts/bench.py target/release/wi-aws "$throughput" .build/venv/bin/python
echo "bench: done in $(( $(date +%s) - started ))s"
